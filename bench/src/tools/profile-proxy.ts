/**
 * Where Portway's proxy spends its time under load: `portway run` (1 worker, the 100-route
 * config of bench:proxy) with `--cpu-prof` on every process, wrk at saturation, then a summary
 * of the worker's profile: self time by area and by function, and the inclusive time of the
 * proxy's own functions.
 *
 *   node bench/dist/tools/profile-proxy.js [--duration 15] [--routes 100] [--top 40]
 */
import { intOption, parseBenchArgs } from '../lib/args.js';
import { inclusiveCosts, profilesIn, summarizeProfile } from '../lib/cpu-profile.js';
import { answers200, getStatus } from '../lib/http-check.js';
import { PORTWAY_MAIN, scratchDir } from '../lib/paths.js';
import { startProcess, waitUntil } from '../lib/processes.js';
import { printTable } from '../lib/report.js';
import { requestFor, writeConfigFolder } from '../lib/route-config.js';
import { round } from '../lib/stats.js';
import { ensureTools } from '../lib/tools.js';
import { runWrk } from '../lib/wrk.js';
import { startBackend } from '../peers/nginx.js';
import { assertBuilt, PORTWAY_ORIGIN, routeConfig } from '../peers/portway.js';
import { PORTWAY_ADDRESS, PORTWAY_ADMIN } from '../lib/addresses.js';

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['duration', 'routes', 'top']);
  const duration = intOption(args.values.duration, 'duration', 15);
  const routes = intOption(args.values.routes, 'routes', 100);
  const top = intOption(args.values.top, 'top', 40);
  assertBuilt();
  ensureTools(['nginx', 'wrk']);
  const dir = scratchDir('profile-config');
  writeConfigFolder(dir, routeConfig(routes));
  const profDir = scratchDir('cpu-prof');
  const backend = await startBackend();
  const request = requestFor(Math.floor(routes / 2));
  try {
    const child = startProcess('portway', process.execPath, [
      '--cpu-prof', '--cpu-prof-dir', profDir, PORTWAY_MAIN, 'run', '-f', dir, '--workers', '1', '--address-pool', PORTWAY_ADDRESS, '--admin', PORTWAY_ADMIN, '--log-level', 'warn',
    ], { env: { ...process.env, NODE_ENV: 'production' } });
    await waitUntil('portway', async () => ((await getStatus(`http://${PORTWAY_ADMIN}`, '/readyz')) === 200 ? true : undefined), { timeoutMs: 60_000, child });
    await waitUntil('the route', () => answers200(PORTWAY_ORIGIN, request.path, request.headers), { timeoutMs: 60_000, child });
    await runWrk({ url: PORTWAY_ORIGIN + request.path, headers: request.headers, durationSec: 2 });
    const w = await runWrk({ url: PORTWAY_ORIGIN + request.path, headers: request.headers, durationSec: duration });
    console.log(`wrk: ${Math.round(w.requestsPerSec)} req/s, p99 ${w.p99Ms} ms, non-2xx ${w.non2xx}`);
    // SIGTERM to the primary only: it shuts its workers down, and each writes its profile on exit.
    process.kill(child.pid, 'SIGTERM');
    await waitUntil('portway to exit', () => (child.exited() ? true : undefined), { timeoutMs: 30_000 }).catch(() => undefined);
    await child.stop();
  } finally {
    await backend.stop();
  }
  // The worker's profile is the busiest one (the primary mostly waits while wrk runs).
  const files = profilesIn(profDir);
  const worker = files.map((f) => ({ f, idle: summarizeProfile(f, 1).idlePct })).sort((a, b) => a.idle - b.idle)[0]!.f;
  const s = summarizeProfile(worker, top);
  console.log(`profile: ${worker} (${s.samples} samples, idle ${s.idlePct.toFixed(1)}%)`);
  printTable('Self time by area', ['area', '% of samples', '% of busy time'], s.areas.map((a) => [a.area, round(a.selfPct, 1), round(a.busyPct, 1)]));
  printTable(`Top ${top} functions by self time`, ['function', 'self %', 'total %'], s.functions.map((f) => [f.key, round(f.selfPct, 2), round(f.totalPct, 1)]));
  const mine = inclusiveCosts(worker, (f) => f.file.startsWith('libs/proxy/')).slice(0, top);
  printTable('libs/proxy functions by inclusive time', ['function', 'total %', 'self %'], mine.map((f) => [f.key, round(f.totalPct, 1), round(f.selfPct, 2)]));
}

main().catch((e: unknown) => {
  console.error(`profile-proxy failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
