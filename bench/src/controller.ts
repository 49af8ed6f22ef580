/**
 * bench:controller — the controller's footprint: RSS and CPU with 1k, 5k and 10k HTTPRoutes,
 * each with its Service and EndpointSlice. The figure (`mib_per_1k_routes`) is the RSS growth
 * per 1,000 routes from the smallest to the largest size, through the Kubernetes provider
 * against the API-server double; while that provider is missing, the part is named and the
 * figure skipped and the file provider measured instead (`file_mib_per_1k_routes`; also with
 * `--file`, to have both).
 */
import { join } from 'node:path';
import { freePort, startApiServer } from '@portway/testing';
import { BACKEND, PORTWAY_PORT } from './lib/addresses.js';
import { intOption, listOption, parseBenchArgs } from './lib/args.js';
import { KubeObjects } from './lib/kube-objects.js';
import { getStatus } from './lib/http-check.js';
import { checkKubernetesProvider, checkNatsPath } from './lib/parts.js';
import { BENCH_DIST, PORTWAY_MAIN, scratchDir } from './lib/paths.js';
import { startProcess, waitUntil, type Child } from './lib/processes.js';
import { waitQuiet } from './lib/quiet.js';
import { note, printFigures, printTable } from './lib/report.js';
import { baseObjects, routeObjects, writeConfigFolder, type RouteConfigOptions } from './lib/route-config.js';
import { round } from './lib/stats.js';
import { ensureTools } from './lib/tools.js';
import { assertBuilt } from './peers/portway.js';

interface Footprint {
  routes: number;
  rssMiB: number;
  cpuSec: number;
  buildMs: number;
}

async function measureFile(cfg: RouteConfigOptions): Promise<Footprint> {
  const dir = scratchDir(`controller-${cfg.routes}`);
  writeConfigFolder(dir, cfg);
  const child = startProcess('controller-host', process.execPath, [join(BENCH_DIST, 'hosts', 'controller-host.js'), '--dir', dir]);
  try {
    const buildMs = await waitUntil('the controller to build', () => {
      const m = /READY (\d+)/.exec(child.output());
      return m ? Number(m[1]) : undefined;
    }, { timeoutMs: 600_000, everyMs: 100, child });
    const u = await waitQuiet(child.pid, { timeoutMs: 300_000 });
    return { routes: cfg.routes, rssMiB: u.rssMiB, cpuSec: u.cpuSec, buildMs };
  } finally {
    await child.stop();
  }
}

async function measureKubernetes(cfg: RouteConfigOptions): Promise<Footprint> {
  ensureTools(['nats-server']);
  const api = await startApiServer({ host: '127.0.0.1' });
  const children: Child[] = [];
  try {
    await new KubeObjects(api.url).put([...baseObjects(cfg), ...routeObjects(cfg)]);
    const natsPort = await freePort();
    const nats = startProcess('nats-server', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', scratchDir('nats')]);
    children.push(nats);
    await waitUntil('nats-server', () => (/Server is ready/.test(nats.output()) ? true : undefined), { timeoutMs: 15_000, child: nats });
    const started = Date.now();
    const admin = `127.0.0.1:${await freePort()}`;
    const controller = startProcess('portway controller', process.execPath, [
      PORTWAY_MAIN, 'controller', '--provider', 'kubernetes', '--kubeconfig', api.writeKubeconfig(), '--nats', `nats://127.0.0.1:${natsPort}`,
      '--admin', admin, '--log-level', 'warn',
    ]);
    children.push(controller);
    // Built first (its /readyz), then quiet: an idle moment before the first build does not count.
    await waitUntil('the controller\'s first build', async () => ((await getStatus(`http://${admin}`, '/readyz')) === 200 ? true : undefined), {
      timeoutMs: 600_000,
      everyMs: 200,
      child: controller,
    });
    const buildMs = Date.now() - started;
    const u = await waitQuiet(controller.pid, { timeoutMs: 600_000 });
    return { routes: cfg.routes, rssMiB: u.rssMiB, cpuSec: u.cpuSec, buildMs };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await api.close();
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), ['sizes', 'file']);
  const sizes = listOption(args.values.sizes, args.quick ? ['200', '1000'] : ['1000', '5000', '10000']).map((s) => intOption(s, 'sizes', 1000));
  assertBuilt();
  const cfg = (routes: number): RouteConfigOptions => ({ routes, port: PORTWAY_PORT, backend: { ...BACKEND }, servicePerRoute: true });
  console.log(`bench:controller — ${sizes.join(', ')} HTTPRoutes, each with its Service and EndpointSlice`);

  const nats = await checkNatsPath();
  const k8s = await checkKubernetesProvider();
  const missing = [...k8s.missing, ...nats.missing];
  const viaK8s: Footprint[] = [];
  if (missing.length > 0) note(`skipping the Kubernetes-provider figures: missing ${missing.join('; ')}`);
  else {
    for (const n of sizes) {
      const f = await measureKubernetes(cfg(n));
      viaK8s.push(f);
      console.log(`  Kubernetes provider, ${n} routes: RSS ${Math.round(f.rssMiB)} MiB, CPU ${f.cpuSec.toFixed(1)} s, first build after ${f.buildMs} ms`);
    }
  }
  const viaFile: Footprint[] = [];
  const withFile = missing.length > 0 || args.values.file === 'yes';
  for (const n of withFile ? sizes : []) {
    const f = await measureFile(cfg(n));
    viaFile.push(f);
    console.log(`  file provider, ${n} routes: RSS ${Math.round(f.rssMiB)} MiB, CPU ${f.cpuSec.toFixed(1)} s, first build ${f.buildMs} ms`);
  }

  const rows = (label: string, list: Footprint[]) => list.map((f) => [label, f.routes, round(f.rssMiB, 1), round(f.cpuSec, 1), f.buildMs]);
  printTable('Controller footprint (RSS once quiet; CPU time since start)', ['provider', 'routes', 'RSS MiB', 'CPU s', 'first build ms'], [
    ...(viaK8s.length > 0 ? rows('kubernetes', viaK8s) : [['kubernetes', 'skipped: part missing']]),
    ...(viaFile.length > 0 ? rows('file', viaFile) : [['file', 'not run (--file yes to add it)']]),
  ]);
  const growth = (list: Footprint[]) => {
    if (list.length < 2) return null;
    const lo = list[0]!;
    const hi = list[list.length - 1]!;
    return round((hi.rssMiB - lo.rssMiB) / ((hi.routes - lo.routes) / 1000), 2);
  };
  printFigures('controller', {
    mib_per_1k_routes: growth(viaK8s),
    file_mib_per_1k_routes: growth(viaFile),
    file_rss_mib: Object.fromEntries(viaFile.map((f) => [String(f.routes), round(f.rssMiB, 1)])),
    missing,
  });
}

main().catch((e: unknown) => {
  console.error(`bench:controller failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
