/** The Node.js peers (http-proxy, @fastify/http-proxy, and the bare node:http + undici reference) as targets. */
import { join } from 'node:path';
import { BACKEND, TARGET_PORT, targetAddress } from '../lib/addresses.js';
import { answers200 } from '../lib/http-check.js';
import { BENCH_DIST } from '../lib/paths.js';
import { startProcess, waitUntil } from '../lib/processes.js';
import type { RunningTarget, Target, TargetOptions } from './target.js';

function nodePeer(name: string, script: string): Target {
  return {
    name,
    async start(o: TargetOptions): Promise<RunningTarget> {
      const address = targetAddress(name);
      const child = startProcess(
        name,
        process.execPath,
        [join(BENCH_DIST, 'peers', script), '--listen', `${address}:${TARGET_PORT}`, '--upstream', `${BACKEND.address}:${BACKEND.port}`, '--workers', String(o.workers)],
        { cpus: o.cpus, env: { ...process.env, NODE_ENV: 'production' } },
      );
      const origin = `http://${address}:${TARGET_PORT}`;
      await waitUntil(name, () => answers200(origin, o.request.path, o.request.headers), { timeoutMs: 15_000, child });
      return { name, origin, path: o.request.path, headers: o.request.headers, child, stop: () => child.stop() };
    },
  };
}

export const httpProxyTarget = nodePeer('http-proxy', 'http-proxy-server.js');
export const fastifyTarget = nodePeer('fastify', 'fastify-proxy-server.js');
export const bareNodeTarget = nodePeer('node-bare', 'bare-proxy-server.js');
