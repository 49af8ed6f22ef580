/**
 * bench:propagation — time from writing a route to its first 200, for routes added one by one
 * (3,000 by default, one every 20 ms, without waiting for the previous one).
 *
 * Figures: through an agent over NATS with the file provider (`mean_ms`, `p99_ms`, `max_ms`,
 * `errors`), and with the Kubernetes provider against the API-server double (`k8s_*`). Parts
 * that are not there yet are named and their figures skipped. The standalone path (file
 * provider → in-process bus → agent workers, `portway run`) is measured too (`standalone_*`).
 */
import { PORTWAY_PORT, BACKEND } from './lib/addresses.js';
import { intOption, listOption, parseBenchArgs } from './lib/args.js';
import { deploy, type DeploymentKind } from './lib/deployments.js';
import { checkKubernetesProvider, checkNatsPath } from './lib/parts.js';
import { runPropagation, type PropagationResult } from './lib/propagation-probe.js';
import { note, printFigures, printTable } from './lib/report.js';
import { baseObjects, httpRoute, requestFor, type RouteConfigOptions } from './lib/route-config.js';
import { mean, percentile, round } from './lib/stats.js';
import { ensureTools } from './lib/tools.js';
import { startBackend } from './peers/nginx.js';
import { assertBuilt } from './peers/portway.js';

const PREFIX: Record<DeploymentKind, string> = { nats: '', kubernetes: 'k8s_', standalone: 'standalone_' };
const ADDRESS: Record<DeploymentKind, string> = { standalone: '127.0.92.21', nats: '127.0.92.22', kubernetes: '127.0.92.23' };

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['routes', 'interval-ms', 'workers', 'variants']);
  const routes = intOption(args.values.routes, 'routes', args.quick ? 100 : 3000);
  const intervalMs = intOption(args.values['interval-ms'], 'interval-ms', 20);
  const workers = intOption(args.values.workers, 'workers', 1);
  const variants = listOption(args.values.variants, ['nats', 'kubernetes', 'standalone']) as DeploymentKind[];
  assertBuilt();
  ensureTools(['nginx']);
  console.log(`bench:propagation — ${routes} routes added one by one, one every ${intervalMs} ms; ${workers} proxy worker(s); variants ${variants.join(', ')}`);

  const skipped: string[] = [];
  const nats = await checkNatsPath();
  const k8s = await checkKubernetesProvider();
  const runnable = variants.filter((v) => {
    const missing = v === 'nats' ? nats.missing : v === 'kubernetes' ? [...nats.missing, ...k8s.missing] : [];
    if (missing.length > 0) {
      note(`skipping the ${v} variant: missing ${missing.join('; ')}`);
      skipped.push(v);
    }
    return missing.length === 0;
  });

  const cfg: RouteConfigOptions = { routes, port: PORTWAY_PORT, backend: { ...BACKEND } };
  const results = new Map<DeploymentKind, PropagationResult>();
  const backend = await startBackend();
  try {
    for (const kind of runnable) {
      const d = await deploy(kind, { base: baseObjects({ ...cfg, routes: 0 }), workers, address: ADDRESS[kind], port: PORTWAY_PORT });
      try {
        const r = await runPropagation(
          { origin: d.origin, add: (i) => d.put([httpRoute(i, cfg)]), request: (i) => requestFor(i) },
          { routes, intervalMs, timeoutMs: routes * intervalMs + 120_000 },
        );
        results.set(kind, r);
        console.log(`  ${kind}: ${r.latencies.length}/${r.routes} served in ${Math.round(r.wallMs / 1000)} s, mean ${mean(r.latencies).toFixed(1)} ms, max ${Math.max(...r.latencies).toFixed(1)} ms, errors ${r.errors}`);
      } finally {
        await d.stop();
      }
    }
  } finally {
    await backend.stop();
  }

  printTable(
    `Propagation: write → first 200, ${routes} routes, one every ${intervalMs} ms`,
    ['path', 'served', 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'unserved'],
    variants.map((v) => {
      const r = results.get(v);
      if (r === undefined) return [v, 'skipped: part missing'];
      return [v, r.latencies.length, mean(r.latencies), percentile(r.latencies, 50), percentile(r.latencies, 99), Math.max(...r.latencies), r.errors, r.unserved];
    }),
  );
  const figures: Record<string, number | string | null | string[]> = {};
  for (const v of variants) {
    const r = results.get(v);
    const p = PREFIX[v];
    figures[`${p}mean_ms`] = r ? round(mean(r.latencies), 1) : null;
    figures[`${p}p99_ms`] = r ? round(percentile(r.latencies, 99), 1) : null;
    figures[`${p}max_ms`] = r ? round(Math.max(...r.latencies), 1) : null;
    figures[`${p}errors`] = r ? r.errors + r.unserved : null;
  }
  figures.routes = routes;
  figures.skipped = skipped;
  figures.missing = [...new Set([...(skipped.includes('nats') || skipped.includes('kubernetes') ? nats.missing : []), ...(skipped.includes('kubernetes') ? k8s.missing : [])])];
  printFigures('propagation', figures);
}

main().catch((e: unknown) => {
  console.error(`bench:propagation failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
