/**
 * Shared entry of the Node.js peer proxies: `--listen HOST:PORT --upstream HOST:PORT --workers N`.
 * The primary forks N workers with node:cluster (as Portway's agent does); each worker runs the
 * peer's server. The primary exits when a worker dies, and takes its workers down on SIGTERM.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';

export interface NodePeerArgs {
  host: string;
  port: number;
  upstream: { host: string; port: number };
}

function hostPort(v: string | undefined, flag: string): { host: string; port: number } {
  const m = v === undefined ? null : /^(.+):(\d+)$/.exec(v);
  if (m === null) throw new Error(`${flag} HOST:PORT is required`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Runs `serve` in N cluster workers. `serve` resolves with the listening server. */
export function runNodePeer(serve: (a: NodePeerArgs) => Promise<Server | unknown>): void {
  const { values } = parseArgs({ options: { listen: { type: 'string' }, upstream: { type: 'string' }, workers: { type: 'string' } } });
  const listen = hostPort(values.listen, '--listen');
  const upstream = hostPort(values.upstream, '--upstream');
  const workers = Number(values.workers ?? '1');
  if (cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('exit', () => process.exit(1));
    const stop = () => {
      cluster.removeAllListeners('exit');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } else {
    serve({ host: listen.host, port: listen.port, upstream }).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  }
}
