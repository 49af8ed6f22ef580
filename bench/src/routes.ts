/**
 * bench:routes — how Portway scales with the size of its route table.
 *
 * 1. Throughput with 10, 1,000 and 10,000 HTTPRoutes (`portway run`, same worker count,
 *    rounds alternating between the three), as a ratio to 10 routes.
 * 2. Router match time per request (host lookup, path normalization, router), in process.
 * 3. Full compile time of the 10,000-route IR (Proxy.apply: validation + compilation), and the
 *    controller's translate time for it.
 * 4. One route edit at 10,000 routes: from the file write to every worker serving it.
 * 5. Agent memory (agent + its workers, RSS) at 1k, 5k, 10k routes: growth per 1,000 routes
 *    per worker process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Proxy } from '@portway/proxy';
import type { GatewayConfig } from '@portway/ir';
import { BACKEND, PORTWAY_PORT } from './lib/addresses.js';
import { intOption, listOption, parseBenchArgs } from './lib/args.js';
import { waitServed } from './lib/fresh-get.js';
import { answers200 } from './lib/http-check.js';
import { BENCH_DIST, scratchDir } from './lib/paths.js';
import { startProcess, waitUntil, type Child } from './lib/processes.js';
import { note, printFigures, printTable } from './lib/report.js';
import { treeUsage } from './lib/resources.js';
import { probeFor, requestFor, writeConfigFolder, writeRouteEdit, type RouteConfigOptions } from './lib/route-config.js';
import { timeRouter, type RouterTiming } from './lib/router-timing.js';
import { median, ratio, round } from './lib/stats.js';
import { ensureTools } from './lib/tools.js';
import { translateFolder } from './lib/translate-config.js';
import { runWrk } from './lib/wrk.js';
import { startBackend } from './peers/nginx.js';
import { assertBuilt, startPortway } from './peers/portway.js';

/** Addresses of the in-process compile (never bound by anything else). */
const COMPILE_ADDRESS = '127.0.94.1';

function configFor(routes: number): RouteConfigOptions {
  return { routes, port: PORTWAY_PORT, backend: { ...BACKEND } };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['sizes', 'memory-sizes', 'rounds', 'duration', 'workers', 'memory-workers', 'edits', 'samples']);
  const quick = args.quick;
  const sizes = listOption(args.values.sizes, quick ? ['10', '1000'] : ['10', '1000', '10000']).map((s) => intOption(s, 'sizes', 10));
  const memorySizes = listOption(args.values['memory-sizes'], quick ? ['500', '1000'] : ['1000', '5000', '10000']).map((s) => intOption(s, 'memory-sizes', 1000));
  const rounds = intOption(args.values.rounds, 'rounds', quick ? 1 : 3);
  const duration = intOption(args.values.duration, 'duration', quick ? 2 : 10);
  const workers = intOption(args.values.workers, 'workers', 1);
  const memoryWorkers = intOption(args.values['memory-workers'], 'memory-workers', 2);
  const edits = intOption(args.values.edits, 'edits', quick ? 2 : 5);
  const samples = intOption(args.values.samples, 'samples', quick ? 50_000 : 500_000);
  const largest = Math.max(...sizes);
  const smallest = Math.min(...sizes);
  assertBuilt();
  ensureTools(['nginx', 'wrk']);
  console.log(`bench:routes — throughput at ${sizes.join(', ')} routes (${workers} worker(s), ${rounds} round(s) of ${duration}s); memory at ${memorySizes.join(', ')} routes (${memoryWorkers} workers)`);

  // Folders and IR for every size needed.
  const allSizes = [...new Set([...sizes, ...memorySizes])].sort((a, b) => a - b);
  const folders = new Map<number, string>();
  const irs = new Map<number, GatewayConfig>();
  const translateMs = new Map<number, number>();
  const loadMs = new Map<number, number>();
  for (const n of allSizes) {
    const dir = scratchDir(`routes-${n}`);
    writeConfigFolder(dir, configFor(n));
    folders.set(n, dir);
    const t = await translateFolder(dir, [COMPILE_ADDRESS]);
    if (t.errors.length > 0 || t.configs.length !== 1) throw new Error(`generated config of ${n} routes is not clean: ${t.errors.slice(0, 3).join('; ')}`);
    irs.set(n, t.configs[0]!);
    translateMs.set(n, t.translateMs);
    loadMs.set(n, t.loadMs);
    console.log(`  ${n} routes: load+admit ${Math.round(t.loadMs)} ms, graph+translate ${Math.round(t.translateMs)} ms`);
  }

  // 2. Router match time.
  const routerTimes = new Map<number, RouterTiming>();
  for (const n of [smallest, largest]) {
    const r = timeRouter(irs.get(n)!, n, (i) => probeFor(i), samples);
    if (r.matched !== r.samples) throw new Error(`router: ${r.samples - r.matched} of ${r.samples} requests did not reach their route`);
    routerTimes.set(n, r);
  }

  // 3. Full compile (validation + compilation + bind) of the largest IR, on fresh proxies.
  const compileTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const proxy = new Proxy({ defaultAddress: COMPILE_ADDRESS, drainTimeoutMs: 100 });
    const t0 = performance.now();
    const result = await proxy.apply([irs.get(largest)!]);
    compileTimes.push(performance.now() - t0);
    await proxy.close();
    const gw = Object.values(result.gateways)[0];
    if (!gw?.ok) throw new Error(`the proxy refused the ${largest}-route config: ${JSON.stringify(gw?.errors)}`);
  }

  // 1 and 4. Throughput, then edits at the largest size.
  const backend = await startBackend();
  const throughput = new Map<number, number[]>();
  const editTimes: number[] = [];
  try {
    const instances: { n: number; child: Child; origin: string; request: ReturnType<typeof requestFor> }[] = [];
    try {
      for (const [i, n] of sizes.entries()) {
        const address = `127.0.92.${11 + i}`;
        const t0 = performance.now();
        const child = await startPortway(folders.get(n)!, { workers, address, admin: `${address}:19100`, debounceMs: 5, readyTimeoutMs: 300_000 });
        const origin = `http://${address}:${PORTWAY_PORT}`;
        const request = requestFor(Math.floor(n / 2));
        await waitUntil(`portway with ${n} routes to serve`, () => answers200(origin, request.path, request.headers), { timeoutMs: 300_000, everyMs: 100, child });
        console.log(`  portway with ${n} routes serving after ${Math.round(performance.now() - t0)} ms (RSS ${Math.round(treeUsage(child.pid).rssMiB)} MiB)`);
        instances.push({ n, child, origin, request });
        throughput.set(n, []);
      }
      for (const x of instances) await runWrk({ url: x.origin + x.request.path, headers: x.request.headers, durationSec: quick ? 1 : 2 });
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < instances.length; k++) {
          const x = instances[(k + r) % instances.length]!;
          const w = await runWrk({ url: x.origin + x.request.path, headers: x.request.headers, durationSec: duration });
          if (w.non2xx > 0) throw new Error(`portway with ${x.n} routes answered ${w.non2xx} non-2xx responses`);
          throughput.get(x.n)!.push(w.requestsPerSec);
          console.log(`  round ${r + 1}: ${String(x.n).padStart(6)} routes  ${Math.round(w.requestsPerSec)} req/s  p99 ${w.p99Ms.toFixed(2)} ms`);
        }
      }
      const big = instances.find((x) => x.n === largest)!;
      for (let e = 1; e <= edits; e++) {
        const route = Math.floor((largest * e) / (edits + 1));
        const request = requestFor(route, e);
        const since = performance.now();
        writeRouteEdit(folders.get(largest)!, configFor(largest), route, e);
        const served = await waitServed(big.origin, request, { since, consecutive: 2 * workers, timeoutMs: 120_000 });
        editTimes.push(served.ms);
        console.log(`  edit ${e}: route-${route} served after ${Math.round(served.ms)} ms (before: ${JSON.stringify(served.before)})`);
      }
    } finally {
      for (const x of instances) await x.child.stop();
    }
  } finally {
    await backend.stop();
  }

  // 5. Agent memory.
  const memory = new Map<number, { rssMiB: number; readyMs: number; processes: number }>();
  for (const n of memorySizes) {
    const file = join(scratchDir(`agent-${n}`), 'configs.json');
    // The agent binds its own address: the config says where.
    const config = { ...irs.get(n)!, addresses: ['127.0.95.1'] };
    writeFileSync(file, JSON.stringify([config]));
    const child = startProcess('agent-host', process.execPath, [join(BENCH_DIST, 'hosts', 'agent-host.js'), '--configs', file, '--workers', String(memoryWorkers)]);
    try {
      const readyMs = await waitUntil(`the agent to serve ${n} routes`, () => {
        const m = /READY (\d+)/.exec(child.output());
        return m ? Number(m[1]) : undefined;
      }, { timeoutMs: 300_000, everyMs: 100, child });
      await sleep(quick ? 1_000 : 3_000);
      const u = treeUsage(child.pid);
      memory.set(n, { rssMiB: u.rssMiB, readyMs, processes: u.processes });
      console.log(`  agent with ${n} routes: ${u.processes} processes, RSS ${Math.round(u.rssMiB)} MiB, applied in ${readyMs} ms`);
    } finally {
      await child.stop();
    }
  }

  printTable(
    `Throughput by route-table size (${workers} worker(s), wrk -t1 -c50 -d${duration}s, median of ${rounds})`,
    ['routes', 'req/s', `vs ${smallest}`, 'load+admit ms', 'graph+translate ms'],
    sizes.map((n) => [n, Math.round(median(throughput.get(n)!)), ratio(median(throughput.get(n)!), median(throughput.get(smallest)!)), Math.round(loadMs.get(n)!), Math.round(translateMs.get(n)!)]),
  );
  printTable(
    'Router match per request (host lookup + path normalization + router)',
    ['routes', 'virtual hosts', 'matches', 'compile ms', 'p50 ns', 'p99 ns', 'mean ns'],
    [...routerTimes].map(([n, r]) => [n, r.virtualHosts, r.matches, round(r.compileMs, 1), Math.round(r.p50Ns), Math.round(r.p99Ns), Math.round(r.meanNs)]),
  );
  printTable(
    `Agent memory (agent + ${memoryWorkers} workers)`,
    ['routes', 'processes', 'RSS MiB', 'apply ms'],
    [...memory].map(([n, m]) => [n, m.processes, round(m.rssMiB, 1), m.readyMs]),
  );
  printTable(
    `Compile and edits at ${largest} routes`,
    ['what', 'ms'],
    [
      ['full compile (Proxy.apply: validate + compile + bind), median of 3', round(median(compileTimes), 1)],
      ['controller graph + translate', Math.round(translateMs.get(largest)!)],
      [`one route edit, file write → every worker serving (median of ${editTimes.length})`, Math.round(median(editTimes))],
      ['one route edit, max', Math.round(Math.max(...editTimes))],
    ],
  );

  const memSizes = [...memory.keys()].sort((a, b) => a - b);
  const lo = memSizes[0]!;
  const hi = memSizes[memSizes.length - 1]!;
  const growth = hi > lo ? (memory.get(hi)!.rssMiB - memory.get(lo)!.rssMiB) / ((hi - lo) / 1000) / memoryWorkers : null;
  const figures: Record<string, number | string | null> = {
    throughput_10k_vs_10: ratio(median(throughput.get(largest)!), median(throughput.get(smallest)!)),
    router_p99_ns: Math.round(routerTimes.get(largest)!.p99Ns),
    router_p50_ns: Math.round(routerTimes.get(largest)!.p50Ns),
    agent_mib_per_1k_routes: growth === null ? null : round(growth, 2),
    compile_10k_ms: round(median(compileTimes), 1),
    translate_10k_ms: Math.round(translateMs.get(largest)!),
    incremental_ms: Math.round(median(editTimes)),
    incremental_max_ms: Math.round(Math.max(...editTimes)),
    largest_routes: largest,
    quick: quick ? 'yes' : 'no',
  };
  for (const n of sizes) figures[`rps_${n}`] = Math.round(median(throughput.get(n)!));
  if (largest !== 10_000) note(`the largest size is ${largest}, not 10,000: the *_10k keys hold the figures at ${largest} routes`);
  printFigures('routes', figures);
}

main().catch((e: unknown) => {
  console.error(`bench:routes failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
