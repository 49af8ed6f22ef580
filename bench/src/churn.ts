/**
 * bench:churn — edits under load. Portway serves a base of routes under a continuous
 * constant-rate load spread over the routes that get edited. Meanwhile 5,000 other routes are
 * added and then removed again (churn), and 20 edits add a path to a loaded route. Every
 * answer to the load must be a 2xx (`non_2xx`, target 0), and each edit's time from write to
 * served is compared with the same edits on an idle Portway (`churn_propagation_ratio`).
 *
 * Runs through an agent over NATS when that path exists, otherwise standalone (`portway run`)
 * — the line `path` of the JSON says which.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND, PORTWAY_PORT } from './lib/addresses.js';
import { intOption, parseBenchArgs } from './lib/args.js';
import { runConstantRate } from './lib/constant-rate.js';
import { deploy, type Deployment, type DeploymentKind } from './lib/deployments.js';
import { waitServed } from './lib/fresh-get.js';
import { checkNatsPath } from './lib/parts.js';
import { note, printFigures, printTable } from './lib/report.js';
import { baseObjects, httpRoute, requestFor, type RouteConfigOptions } from './lib/route-config.js';
import { mean, percentile, ratio, round } from './lib/stats.js';
import { ensureTools } from './lib/tools.js';
import { startBackend } from './peers/nginx.js';
import { assertBuilt } from './peers/portway.js';

/** Churned routes are numbered from here (never among the base routes). */
const CHURN_BASE = 100_000;

async function editAll(d: Deployment, cfg: RouteConfigOptions, edits: number, variant: number, workers: number, gapMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let e = 0; e < edits; e++) {
    const route = e;
    const since = performance.now();
    await d.put([httpRoute(route, cfg, variant + e, true)]);
    const served = await waitServed(d.origin, requestFor(route, variant + e), { since, consecutive: 2 * workers, timeoutMs: 120_000, everyMs: 1 });
    times.push(served.ms);
    if (gapMs > 0) await sleep(gapMs);
  }
  return times;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['base-routes', 'churn-routes', 'edits', 'rate', 'workers', 'churn-per-sec']);
  const quick = args.quick;
  const baseRoutes = intOption(args.values['base-routes'], 'base-routes', 100);
  const churnRoutes = intOption(args.values['churn-routes'], 'churn-routes', quick ? 300 : 5000);
  const edits = intOption(args.values.edits, 'edits', quick ? 5 : 20);
  const rate = intOption(args.values.rate, 'rate', quick ? 200 : 500);
  const workers = intOption(args.values.workers, 'workers', 2);
  const churnPerSec = intOption(args.values['churn-per-sec'], 'churn-per-sec', 200);
  if (edits > baseRoutes) throw new Error('--edits must not exceed --base-routes');
  assertBuilt();
  ensureTools(['nginx']);
  const nats = await checkNatsPath();
  const kind: DeploymentKind = nats.ok ? 'nats' : 'standalone';
  if (!nats.ok) note(`running standalone (portway run): the NATS path is missing: ${nats.missing.join('; ')}`);
  console.log(`bench:churn — ${kind}; ${baseRoutes} base routes, ${edits} edits, ${churnRoutes} routes churned (${churnPerSec}/s added, then removed); load ${rate} req/s over the edited routes; ${workers} workers`);

  const cfg: RouteConfigOptions = { routes: baseRoutes, port: PORTWAY_PORT, backend: { ...BACKEND } };
  const backend = await startBackend();
  let idle: number[] = [];
  let loaded: number[] = [];
  let load: Awaited<ReturnType<typeof runConstantRate>> | null = null;
  let churnMs = 0;
  try {
    const base = [...baseObjects({ ...cfg, routes: 0 }), ...Array.from({ length: baseRoutes }, (_, i) => httpRoute(i, cfg))];
    const d = await deploy(kind, { base, workers, address: '127.0.92.31', port: PORTWAY_PORT });
    try {
      // Wait until the base is served.
      await waitServed(d.origin, requestFor(baseRoutes - 1), { since: performance.now(), consecutive: 2 * workers, timeoutMs: 120_000, everyMs: 20 });
      // 1. Edits on an idle Portway.
      idle = await editAll(d, cfg, edits, 1, workers, 100);
      // 2. The same number of edits while the load runs and routes churn.
      const churnSeconds = (2 * churnRoutes) / churnPerSec;
      const loadMs = Math.round(churnSeconds * 1000 + 5_000);
      const loadRun = runConstantRate({
        origin: d.origin,
        path: requestFor(0).path,
        requests: Array.from({ length: edits }, (_, i) => requestFor(i)),
        rate,
        durationMs: loadMs,
        connections: 50,
      });
      const churn = (async () => {
        const t0 = performance.now();
        const batch = Math.max(1, Math.round(churnPerSec / 10));
        const step = async (from: number, remove: boolean) => {
          for (let i = from; i < churnRoutes; i += batch) {
            const objs = Array.from({ length: Math.min(batch, churnRoutes - i) }, (_, k) => httpRoute(CHURN_BASE + i + k, cfg));
            if (remove) await d.remove(objs);
            else await d.put(objs);
            await sleep(100);
          }
        };
        await step(0, false);
        await step(0, true);
        churnMs = performance.now() - t0;
      })();
      await sleep(1_000);
      loaded = await editAll(d, cfg, edits, 1000, workers, Math.max(0, Math.round((churnSeconds * 1000) / edits) - 500));
      await churn;
      load = await loadRun;
    } finally {
      await d.stop();
    }
  } finally {
    await backend.stop();
  }

  printTable(
    `Edits: write → served (${edits} edits), idle vs under load and churn`,
    ['when', 'mean ms', 'p50 ms', 'p99 ms', 'max ms'],
    [
      ['idle', mean(idle), percentile(idle, 50), percentile(idle, 99), Math.max(...idle)],
      [`under load + ${churnRoutes} routes churn`, mean(loaded), percentile(loaded, 50), percentile(loaded, 99), Math.max(...loaded)],
    ],
  );
  const l = load!;
  printTable(
    `Load during churn (${rate} req/s, open loop)`,
    ['sent', 'answered', 'non-2xx', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'churn s'],
    [[l.sent, l.completed, l.non2xx, l.errors, l.p50Ms, l.p99Ms, l.maxMs, round(churnMs / 1000, 1)]],
  );
  printFigures('churn', {
    non_2xx: l.non2xx + l.errors,
    churn_propagation_ratio: ratio(mean(loaded), mean(idle)),
    idle_edit_mean_ms: round(mean(idle), 1),
    churn_edit_mean_ms: round(mean(loaded), 1),
    churn_edit_max_ms: round(Math.max(...loaded), 1),
    load_p99_ms: round(l.p99Ms, 2),
    load_sent: l.sent,
    path: kind,
  });
}

main().catch((e: unknown) => {
  console.error(`bench:churn failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
