/**
 * The double in a child process: its memory stays out of the test process's measurements. Talk to it
 * over HTTP (its kubeconfig); its request counters are read from `/_double/requests`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kubeconfigYaml } from './kubeconfig.js';
import type { ApiServerOptions, RequestRecord } from './api-server.js';

/** A double running in a child process. */
export interface RemoteApiServer {
  url: string;
  kubeconfig(namespace?: string): string;
  /** Requests answered so far that match every given field. */
  countRequests(filter: Partial<Pick<RequestRecord, 'method' | 'verb' | 'kind' | 'subresource' | 'code'>>): Promise<number>;
  close(): Promise<void>;
}

/** Starts the double in a child process (with tsx, from the TypeScript sources). */
export async function spawnApiServer(options: ApiServerOptions = {}, timeoutMs = 30_000): Promise<RemoteApiServer> {
  // From the sources (tests) through tsx, or from the build output with plain node.
  const source = fileURLToPath(new URL('./serve-main.ts', import.meta.url));
  const args = existsSync(source) ? ['--conditions=@portway/source', '--import', 'tsx', source] : [fileURLToPath(new URL('./serve-main.js', import.meta.url))];
  const child: ChildProcess = spawn(process.execPath, [...args, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the double did not start in time')), timeoutMs);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`the double exited with code ${code}`)));
  });
  return {
    url,
    kubeconfig: (namespace = 'default') => kubeconfigYaml(url, namespace),
    async countRequests(filter) {
      const q = new URLSearchParams(Object.entries(filter).map(([k, v]) => [k, String(v)] as [string, string]));
      const res = await fetch(`${url}/_double/requests?${q}`);
      return ((await res.json()) as { count: number }).count;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
