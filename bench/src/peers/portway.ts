/**
 * Portway as a target: `portway run` (standalone: controller, in-process bus, agent and N
 * proxy workers) serving a generated folder of N HTTPRoutes, all on loopback.
 */
import { existsSync } from 'node:fs';
import { BACKEND, PORTWAY_ADDRESS, PORTWAY_ADMIN, PORTWAY_PORT } from '../lib/addresses.js';
import { answers200, getStatus } from '../lib/http-check.js';
import { PORTWAY_MAIN, scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil, type Child } from '../lib/processes.js';
import { writeConfigFolder, type RouteConfigOptions } from '../lib/route-config.js';
import type { RunningTarget, Target, TargetOptions } from './target.js';

export const PORTWAY_ORIGIN = `http://${PORTWAY_ADDRESS}:${PORTWAY_PORT}`;

export function assertBuilt(): void {
  if (!existsSync(PORTWAY_MAIN)) throw new Error(`${PORTWAY_MAIN} is missing: run \`npm run build\` first`);
}

export function routeConfig(routes: number): RouteConfigOptions {
  return { routes, port: PORTWAY_PORT, backend: { ...BACKEND } };
}

export interface PortwayRun {
  child: Child;
  dir: string;
}

export interface StartPortwayOptions {
  workers: number;
  cpus?: string;
  debounceMs?: number;
  readyTimeoutMs?: number;
  /** Gateway address (its address pool) and admin address; default 127.0.92.1 and 127.0.92.1:19100. */
  address?: string;
  admin?: string;
}

/** Starts `portway run -f DIR` on an existing folder; resolves once /readyz answers 200. */
export async function startPortway(dir: string, o: StartPortwayOptions): Promise<Child> {
  assertBuilt();
  const admin = o.admin ?? PORTWAY_ADMIN;
  const args = [PORTWAY_MAIN, 'run', '-f', dir, '--workers', String(o.workers), '--address-pool', o.address ?? PORTWAY_ADDRESS, '--admin', admin, '--log-level', 'warn'];
  if (o.debounceMs !== undefined) args.push('--debounce-ms', String(o.debounceMs));
  const child = startProcess('portway', process.execPath, args, { cpus: o.cpus, env: { ...process.env, NODE_ENV: 'production' } });
  await waitUntil('portway /readyz', async () => ((await getStatus(`http://${admin}`, '/readyz')) === 200 ? true : undefined), {
    timeoutMs: o.readyTimeoutMs ?? 120_000,
    everyMs: 100,
    child,
  });
  return child;
}

/** Portway with `routes` generated HTTPRoutes (100 by default: the realistic config of bench:proxy). */
export function portwayTarget(routes = 100): Target {
  return {
    name: 'portway',
    async start(o: TargetOptions): Promise<RunningTarget> {
      const dir = scratchDir('portway-config');
      writeConfigFolder(dir, routeConfig(routes));
      const child = await startPortway(dir, { workers: o.workers, cpus: o.cpus });
      await waitUntil('portway to route the benchmark request', () => answers200(PORTWAY_ORIGIN, o.request.path, o.request.headers), {
        timeoutMs: 120_000,
        everyMs: 100,
        child,
      });
      return { name: 'portway', origin: PORTWAY_ORIGIN, path: o.request.path, headers: o.request.headers, child, stop: () => child.stop() };
    },
  };
}
