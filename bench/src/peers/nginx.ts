/**
 * nginx, from the Debian package: as the benchmark backend (a fixed 200 for every request, so
 * the backend is never what limits a proxy) and as a peer proxy with keep-alive upstreams.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND, TARGET_PORT, targetAddress } from '../lib/addresses.js';
import { answers200 } from '../lib/http-check.js';
import { scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil, type Child } from '../lib/processes.js';
import type { RunningTarget, Target, TargetOptions } from './target.js';

const COMMON = `
error_log stderr warn;
events { worker_connections 16384; }
`;

function startNginx(name: string, conf: string, cpus: string | undefined): Child {
  const prefix = scratchDir(name);
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, `pid ${join(prefix, 'nginx.pid')};\n${conf}`);
  return startProcess(name, 'nginx', ['-p', prefix, '-c', file, '-g', 'daemon off;'], { cpus });
}

/** The backend every proxy forwards to: `return 200` with a short body, keep-alive without limit. */
export async function startBackend(o: { workers?: number; cpus?: string } = {}): Promise<Child> {
  const child = startNginx(
    'backend',
    `worker_processes ${o.workers ?? 2};
${COMMON}
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  server {
    listen ${BACKEND.address}:${BACKEND.port} backlog=4096;
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`,
    o.cpus,
  );
  await waitUntil('the nginx backend', () => answers200(`http://${BACKEND.address}:${BACKEND.port}`, '/'), { timeoutMs: 10_000, child });
  return child;
}

export const nginxTarget: Target = {
  name: 'nginx',
  async start(o: TargetOptions): Promise<RunningTarget> {
    const address = targetAddress('nginx');
    const child = startNginx(
      'nginx-proxy',
      `worker_processes ${o.workers};
${COMMON}
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  upstream backend {
    server ${BACKEND.address}:${BACKEND.port};
    keepalive 256;
    keepalive_requests 10000000;
  }
  server {
    listen ${address}:${TARGET_PORT} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
      o.cpus,
    );
    const origin = `http://${address}:${TARGET_PORT}`;
    await waitUntil('nginx (proxy)', () => answers200(origin, o.request.path, o.request.headers), { timeoutMs: 10_000, child });
    return { name: 'nginx', origin, path: o.request.path, headers: o.request.headers, child, stop: () => child.stop() };
  },
};
