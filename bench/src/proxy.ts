/**
 * bench:proxy — throughput and latency of Portway and its peers, side by side, on one machine.
 *
 * The same nginx backend (a fixed 200) sits behind every target; each target runs with the same
 * number of worker processes (1, then 2). wrk (-t1 -c50 -d10s --latency) loads the targets in
 * turn, the order rotating every round, for at least 3 rounds; the figure of a target is the
 * median of its rounds. Portway serves 100 generated HTTPRoutes (host, path and header
 * matches, a header modifier, weighted backends); the peers proxy one route. Then, at 1 worker,
 * each target gets a constant-rate open-loop load at 50% of its own maximum, and its p99 there.
 */
import { parseBenchArgs, intOption, listOption } from './lib/args.js';
import { runConstantRate, type ConstantRateResult } from './lib/constant-rate.js';
import { note, printFigures, printTable } from './lib/report.js';
import { median, ratio, round } from './lib/stats.js';
import { requestFor } from './lib/route-config.js';
import { treeUsage } from './lib/resources.js';
import { ensureTools } from './lib/tools.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { startBackend } from './peers/nginx.js';
import { assertBuilt } from './peers/portway.js';
import { DEFAULT_TARGETS, targetByName } from './peers/targets.js';
import type { RunningTarget } from './peers/target.js';

interface Sample {
  wrk: WrkResult;
  /** CPU cores the target's process tree used during the run. */
  cores: number;
}

interface Summary {
  target: string;
  workers: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cores: number;
  rssMiB: number;
  rounds: number;
  errors: number;
  spread: string;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['targets', 'rounds', 'duration', 'workers', 'routes', 'fixed-duration', 'warmup']);
  const quick = args.quick;
  const targets = listOption(args.values.targets, DEFAULT_TARGETS);
  const rounds = intOption(args.values.rounds, 'rounds', quick ? 1 : 3);
  const duration = intOption(args.values.duration, 'duration', quick ? 2 : 10);
  const warmup = intOption(args.values.warmup, 'warmup', quick ? 1 : 2);
  const fixedDuration = intOption(args.values['fixed-duration'], 'fixed-duration', quick ? 2 : 10);
  const routes = intOption(args.values.routes, 'routes', 100);
  const workerCounts = listOption(args.values.workers, ['1', '2']).map((w) => intOption(w, 'workers', 1));
  if (targets.includes('portway')) assertBuilt();
  ensureTools(args.pin ? ['nginx', 'haproxy', 'wrk', 'taskset'] : ['nginx', 'haproxy', 'wrk']);
  // With --pin (1 worker): the target on CPU 0, wrk and the backend on CPU 1.
  const cpu = (role: 'target' | 'load', workers: number) => (!args.pin ? undefined : role === 'load' ? '1' : workers === 1 ? '0' : '0-1');

  const request = requestFor(Math.floor(routes / 2));
  console.log(
    `bench:proxy — targets ${targets.join(', ')}; workers ${workerCounts.join(' then ')}; ${rounds} round(s) of wrk -t1 -c50 -d${duration}s; ` +
      `Portway with ${routes} HTTPRoutes; request GET ${request.path} (Host ${request.headers.host}); pinning ${args.pin ? 'on' : 'off'}`,
  );
  const backend = await startBackend({ cpus: cpu('load', 1) });
  const summaries: Summary[] = [];
  const fixed = new Map<string, ConstantRateResult>();
  try {
    for (const workers of workerCounts) {
      const running: RunningTarget[] = [];
      try {
        for (const name of targets) running.push(await targetByName(name, routes).start({ workers, cpus: cpu('target', workers), request }));
        const load = cpu('load', workers);
        for (const t of running) await runWrk({ url: t.origin + t.path, headers: t.headers, durationSec: warmup, cpus: load });
        const samples = new Map<string, Sample[]>(running.map((t) => [t.name, []]));
        for (let r = 0; r < rounds; r++) {
          // Rotate the order every round so no target always runs first or last.
          const order = running.map((_, i) => running[(i + r) % running.length]!);
          for (const t of order) {
            const before = treeUsage(t.child.pid).cpuSec;
            const wrk = await runWrk({ url: t.origin + t.path, headers: t.headers, durationSec: duration, cpus: load });
            const cores = (treeUsage(t.child.pid).cpuSec - before) / wrk.durationSec;
            samples.get(t.name)!.push({ wrk, cores });
            console.log(
              `  ${workers}w round ${r + 1}: ${t.name.padEnd(10)} ${Math.round(wrk.requestsPerSec).toString().padStart(7)} req/s  p50 ${wrk.p50Ms.toFixed(2)} ms  p99 ${wrk.p99Ms.toFixed(2)} ms  cpu ${cores.toFixed(2)}` +
                (wrk.non2xx > 0 ? `  NON-2XX ${wrk.non2xx}` : ''),
            );
          }
        }
        for (const t of running) {
          const s = samples.get(t.name)!;
          const rpsList = s.map((x) => x.wrk.requestsPerSec);
          summaries.push({
            target: t.name,
            workers,
            rps: median(rpsList),
            p50Ms: median(s.map((x) => x.wrk.p50Ms)),
            p99Ms: median(s.map((x) => x.wrk.p99Ms)),
            cores: median(s.map((x) => x.cores)),
            rssMiB: treeUsage(t.child.pid).rssMiB,
            rounds: s.length,
            errors: s.reduce((n, x) => n + x.wrk.non2xx + x.wrk.socketErrors.connect + x.wrk.socketErrors.read + x.wrk.socketErrors.write + x.wrk.socketErrors.timeout, 0),
            spread: `${Math.round(Math.min(...rpsList))}–${Math.round(Math.max(...rpsList))}`,
          });
        }
        if (workers === workerCounts[0]) {
          for (const t of running) {
            const max = summaries.find((s) => s.target === t.name && s.workers === workers)!.rps;
            const res = await runConstantRate({ origin: t.origin, path: t.path, headers: t.headers, rate: Math.max(1, Math.round(max / 2)), durationMs: fixedDuration * 1000 });
            fixed.set(t.name, res);
            console.log(`  fixed rate ${res.rate}/s: ${t.name.padEnd(10)} p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms  achieved ${Math.round(res.achievedRate)}/s  errors ${res.errors + res.non2xx}`);
          }
        }
      } finally {
        for (const t of running) await t.stop();
      }
    }
  } finally {
    await backend.stop();
  }

  const firstWorkers = workerCounts[0]!;
  printTable(
    'Saturation (wrk -t1 -c50, median of rounds)',
    ['target', 'workers', 'req/s', 'p50 ms', 'p99 ms', 'cpu cores', 'CPU µs/req', 'RSS MiB', 'rounds', 'errors', 'req/s range'],
    summaries.map((s) => [s.target, s.workers, Math.round(s.rps), s.p50Ms, s.p99Ms, s.cores, Math.round((s.cores * 1e6) / s.rps), round(s.rssMiB, 1), s.rounds, s.errors, s.spread]),
  );
  printTable(
    `Constant rate at 50% of each target's max (${firstWorkers} worker${firstWorkers > 1 ? 's' : ''}, open loop, latency from intended send time)`,
    ['target', 'rate/s', 'achieved/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'],
    [...fixed].map(([name, r]) => [name, r.rate, Math.round(r.achievedRate), r.p50Ms, r.p90Ms, r.p99Ms, r.p999Ms, r.maxMs, r.errors + r.non2xx]),
  );

  const get = (target: string, workers: number) => summaries.find((s) => s.target === target && s.workers === workers);
  const figures: Record<string, number | null | string> = {};
  for (const workers of workerCounts) {
    const sfx = workers === 1 ? '' : `_${workers}w`;
    const pw = get('portway', workers);
    figures[`portway_vs_nginx${sfx}`] = ratio(pw?.rps, get('nginx', workers)?.rps);
    figures[`portway_vs_haproxy${sfx}`] = ratio(pw?.rps, get('haproxy', workers)?.rps);
    figures[`portway_vs_fastify${sfx}`] = ratio(pw?.rps, get('fastify', workers)?.rps);
    figures[`portway_vs_http_proxy${sfx}`] = ratio(pw?.rps, get('http-proxy', workers)?.rps);
    figures[`portway_vs_bare_node${sfx}`] = ratio(pw?.rps, get('node-bare', workers)?.rps);
    figures[`p99_vs_nginx${sfx}`] = ratio(pw?.p99Ms, get('nginx', workers)?.p99Ms);
    for (const s of summaries.filter((x) => x.workers === workers)) {
      figures[`rps_${s.target.replace(/-/g, '_')}${sfx}`] = Math.round(s.rps);
      figures[`cpu_us_per_req_${s.target.replace(/-/g, '_')}${sfx}`] = Math.round((s.cores * 1e6) / s.rps);
    }
  }
  figures.p99_fixed_vs_nginx = ratio(fixed.get('portway')?.p99Ms, fixed.get('nginx')?.p99Ms);
  for (const [name, r] of fixed) figures[`p99_fixed_ms_${name.replace(/-/g, '_')}`] = round(r.p99Ms, 3);
  const errors = summaries.filter((s) => s.errors > 0);
  if (errors.length > 0) note(`errors or non-2xx answers during saturation: ${errors.map((s) => `${s.target}@${s.workers}w=${s.errors}`).join(', ')}`);
  figures.quick = quick ? 'yes' : 'no';
  printFigures('proxy', figures);
}

main().catch((e: unknown) => {
  console.error(`bench:proxy failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
