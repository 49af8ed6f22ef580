/**
 * haproxy, from the Debian package, as a peer proxy. haproxy 2.x runs one process with
 * `nbthread` threads (its multi-process mode is gone): "workers" are threads here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND, TARGET_PORT, targetAddress } from '../lib/addresses.js';
import { answers200 } from '../lib/http-check.js';
import { scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil } from '../lib/processes.js';
import type { RunningTarget, Target, TargetOptions } from './target.js';

export const haproxyTarget: Target = {
  name: 'haproxy',
  async start(o: TargetOptions): Promise<RunningTarget> {
    const address = targetAddress('haproxy');
    const dir = scratchDir('haproxy');
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(
      file,
      `global
  nbthread ${o.workers}
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  option http-keep-alive
  http-reuse always
frontend bench
  bind ${address}:${TARGET_PORT}
  default_backend backend
backend backend
  server s1 ${BACKEND.address}:${BACKEND.port}
`,
    );
    const child = startProcess('haproxy', 'haproxy', ['-db', '-f', file], { cpus: o.cpus });
    const origin = `http://${address}:${TARGET_PORT}`;
    await waitUntil('haproxy', () => answers200(origin, o.request.path, o.request.headers), { timeoutMs: 10_000, child });
    return { name: 'haproxy', origin, path: o.request.path, headers: o.request.headers, child, stop: () => child.stop() };
  },
};
