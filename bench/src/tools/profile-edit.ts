/**
 * Where the time of one route edit goes at 10,000 routes: `portway run` (file provider,
 * controller, in-process bus, agent, N proxy workers) with `--cpu-prof` on every process, a few
 * route edits (each timed from the file write until every worker serves it), then, per process,
 * the CPU time spent during the edits only (samples inside the edit windows) by function: self
 * time, and the inclusive time of Portway's own functions.
 *
 *   node bench/dist/tools/profile-edit.js [--routes 10000] [--edits 5] [--workers 2] [--top 25]
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND, PORTWAY_PORT } from '../lib/addresses.js';
import { intOption, parseBenchArgs } from '../lib/args.js';
import { inclusiveCosts, profilesIn, summarizeProfile, type ProfileWindow } from '../lib/cpu-profile.js';
import { waitServed } from '../lib/fresh-get.js';
import { answers200, getStatus } from '../lib/http-check.js';
import { PORTWAY_MAIN, scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil } from '../lib/processes.js';
import { printTable } from '../lib/report.js';
import { requestFor, writeConfigFolder, writeRouteEdit, type RouteConfigOptions } from '../lib/route-config.js';
import { round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { startBackend } from '../peers/nginx.js';
import { assertBuilt } from '../peers/portway.js';

const ADDRESS = '127.0.92.31';
const ADMIN = `${ADDRESS}:19100`;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['routes', 'edits', 'workers', 'top']);
  const routes = intOption(args.values.routes, 'routes', 10_000);
  const edits = intOption(args.values.edits, 'edits', 5);
  const workers = intOption(args.values.workers, 'workers', 2);
  const top = intOption(args.values.top, 'top', 25);
  assertBuilt();
  ensureTools(['nginx']);
  const cfg: RouteConfigOptions = { routes, port: PORTWAY_PORT, backend: { ...BACKEND } };
  const dir = scratchDir('profile-edit-config');
  writeConfigFolder(dir, cfg);
  const profDir = scratchDir('profile-edit-prof');
  const origin = `http://${ADDRESS}:${PORTWAY_PORT}`;
  const backend = await startBackend();
  const windows: ProfileWindow[] = [];
  const times: number[] = [];
  try {
    const child = startProcess('portway', process.execPath, [
      '--cpu-prof', '--cpu-prof-dir', profDir, PORTWAY_MAIN, 'run', '-f', dir, '--workers', String(workers), '--address-pool', ADDRESS, '--admin', ADMIN, '--log-level', 'warn', '--debounce-ms', '5',
    ], { env: { ...process.env, NODE_ENV: 'production' } });
    await waitUntil('portway', async () => ((await getStatus(`http://${ADMIN}`, '/readyz')) === 200 ? true : undefined), { timeoutMs: 300_000, everyMs: 200, child });
    const first = requestFor(Math.floor(routes / 2));
    await waitUntil('the routes', () => answers200(origin, first.path, first.headers), { timeoutMs: 300_000, everyMs: 200, child });
    await sleep(3_000);
    for (let e = 1; e <= edits; e++) {
      const route = Math.floor((routes * e) / (edits + 1));
      const request = requestFor(route, e);
      const fromUs = nowUs();
      const since = performance.now();
      writeRouteEdit(dir, cfg, route, e);
      const served = await waitServed(new URL(origin).origin, request, { since, consecutive: 2 * workers, timeoutMs: 120_000 });
      windows.push({ fromUs, toUs: nowUs() });
      times.push(served.ms);
      console.log(`edit ${e}: route-${route} served after ${Math.round(served.ms)} ms`);
      await sleep(1_000);
    }
    process.kill(child.pid, 'SIGTERM');
    await waitUntil('portway to exit', () => (child.exited() ? true : undefined), { timeoutMs: 30_000 }).catch(() => undefined);
    await child.stop();
  } finally {
    await backend.stop();
  }
  const files = profilesIn(profDir);
  const summaries = files.map((f) => ({ f, s: summarizeProfile(f, top, windows) })).sort((a, b) => b.s.busyMs - a.s.busyMs);
  printTable(
    `CPU during ${windows.length} edits (${Math.round(times.reduce((a, b) => a + b, 0))} ms of edits in all)`,
    ['profile', 'busy ms', 'busy ms per edit'],
    summaries.map(({ f, s }) => [f.slice(f.lastIndexOf('/') + 1), Math.round(s.busyMs), Math.round(s.busyMs / windows.length)]),
  );
  for (const { f, s } of summaries) {
    if (s.busyMs < 1) continue;
    const name = f.slice(f.lastIndexOf('/') + 1);
    const perEdit = (pct: number) => round((pct / 100) * (s.totalMs / windows.length), 1);
    printTable(`${name}: top ${top} functions by self time (ms per edit)`, ['function', 'self ms', 'total ms'], s.functions.map((fn) => [fn.key, perEdit(fn.selfPct), perEdit(fn.totalPct)]));
    const mine = inclusiveCosts(f, (fn) => fn.file.startsWith('libs/') || fn.file.startsWith('apps/'), windows).slice(0, top);
    printTable(`${name}: Portway functions by inclusive time (ms per edit)`, ['function', 'total ms', 'self ms'], mine.map((fn) => [fn.key, perEdit(fn.totalPct), perEdit(fn.selfPct)]));
  }
}

main().catch((e: unknown) => {
  console.error(`profile-edit failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
