import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateResources } from '../certs/generate-certs.js';
import { Cluster } from '../cluster/cluster.js';
import { ClusterDir } from '../cluster/cluster-dir.js';
import { loadStartEcho, type StartEcho } from '../cluster/echo-contract.js';
import { Workloads } from '../cluster/workloads.js';
import { prepareManifests, type ManifestContext } from '../manifests/prepare-manifests.js';
import type { KubeObject } from '../manifests/yaml-docs.js';
import { PortwayProcess } from '../portway/portway-process.js';
import { buildReport, reportLines, type ConformanceReport } from '../report/report.js';
import { runStatusCheck, type CheckEnv } from '../status/checks.js';
import { findCondition, asConditions } from '../status/conditions.js';
import { pollStatus, StatusSourceGone, type StatusReader } from '../status/poll.js';
import { loadSuite } from '../suite/load-suite.js';
import { selectTests, skipReason } from '../suite/select-tests.js';
import type { ConformanceTest } from '../suite/types.js';
import { Timeouts } from '../util/timeouts.js';
import { runTest, type TestEnv } from './run-test.js';
import type { TestResult } from './test-result.js';
import { TraceWriter } from './trace.js';

/** The GatewayClass the runner creates, and Portway's controller name. */
export const GATEWAY_CLASS_NAME = 'portway';
export const CONTROLLER_NAME = 'portway.dev/gateway-controller';
/** How long Portway may take to answer /readyz after it starts (not scaled). */
const PORTWAY_READY_TIMEOUT_MS = 60_000;

/** How to run the suite. */
export interface RunOptions {
  suiteDir: string;
  /** Profiles to run (empty: all). */
  profiles: string[];
  /** Tests to run (empty: all). */
  tests: string[];
  reportFile?: string;
  traceFile?: string;
  /** Portway's CLI script. */
  portwayScript: string;
  timeoutScale: number;
  /** Pool Portway assigns Gateway addresses from. */
  addressPool: string;
  /** Substituted for PLACEHOLDER_USABLE_ADDRS / PLACEHOLDER_UNUSABLE_ADDRS. */
  usableAddresses: string[];
  unusableAddresses: string[];
  /** Keep the temporary folder (cluster files, Portway's log). */
  keepDir: boolean;
  /** Progress output. */
  log: (line: string) => void;
  /** Features to treat as supported instead of the GatewayClass's list. */
  supportedFeatures?: string[];
  /** Treat every feature of the suite as supported. */
  allFeatures?: boolean;
  /** Second octet of the pods' loopback addresses, 127.<podSubnet>.x.y (default 1). */
  podSubnet?: number;
  /** Replaces @portway/echo (tests). */
  startEcho?: StartEcho;
}

/** What a run produced. */
export interface RunOutcome {
  report: ConformanceReport;
  results: TestResult[];
  /** Non-zero when a test that ran failed or the setup failed. */
  exitCode: number;
}

/**
 * Runs a suite folder against a Portway started for the occasion: generates the suite's
 * certificates, writes the GatewayClass, the base manifests and the generated Secrets/ConfigMaps
 * into a temporary folder, starts the echo pods and Portway, waits for the base to be ready,
 * then runs each selected test (skipping those needing features Portway does not report) and
 * builds the report.
 */
export async function runSuite(o: RunOptions): Promise<RunOutcome> {
  const suite = await loadSuite(o.suiteDir);
  const { tests, profiles } = selectTests(suite.tests, suite.profiles, { profiles: o.profiles, tests: o.tests });
  const timeouts = new Timeouts(o.timeoutScale);
  const tmp = await mkdtemp(join(tmpdir(), 'portway-conformance-'));
  const trace = new TraceWriter(o.traceFile);
  const results: TestResult[] = [];
  let portway: PortwayProcess | undefined;
  let workloads: Workloads | undefined;
  let supported = new Set<string>();
  let failedSetup = false;
  try {
    const dir = new ClusterDir(join(tmp, 'cluster'), join(tmp, 'staging'));
    await dir.init();
    workloads = new Workloads(o.startEcho ?? (await loadStartEcho()), o.podSubnet ?? 1);
    const ctx: ManifestContext = { gatewayClassName: GATEWAY_CLASS_NAME, controllerName: CONTROLLER_NAME, usableAddresses: o.usableAddresses, unusableAddresses: o.unusableAddresses };
    const readStatus: StatusReader = async () => {
      if (!portway) throw new StatusSourceGone('portway is not started');
      if (!portway.running) throw new StatusSourceGone(`portway exited (${portway.exitDescription()}):\n${portway.outputTail()}`);
      return portway.status.read();
    };
    // Loads are not upstream timeouts: a small --timeout-scale must not make Portway look slow.
    const cluster = new Cluster(dir, workloads, readStatus, Math.max(timeouts.ms('CreateTimeout'), 5000), (message) => trace.write({ event: 'note', message }));
    let setupError: string | undefined;
    try {
      o.log(`suite ${o.suiteDir}: ${tests.length} test(s) selected; cluster folder ${dir.dir}`);
      const gatewayClass: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS_NAME }, spec: { controllerName: CONTROLLER_NAME } };
      await dir.put('00-gatewayclass', [gatewayClass]);
      await dir.put('01-generated', await generateResources(suite.generatedResources));
      const base = prepareManifests(suite.baseManifests, ctx);
      await cluster.apply('02-base', base, { wait: false });
      portway = await PortwayProcess.start({ script: o.portwayScript, dir: dir.dir, addressPool: o.addressPool, logFile: join(tmp, 'portway.log'), readyTimeoutMs: PORTWAY_READY_TIMEOUT_MS });
      o.log(`portway ready (admin ${portway.adminAddress})`);
      const claimed = await supportedFeatures(readStatus, timeouts);
      supported = o.allFeatures ? new Set(suite.features.features.map((f) => f.name)) : o.supportedFeatures ? new Set(o.supportedFeatures) : claimed;
      o.log(`supported features (${o.allFeatures ? '--all-features' : o.supportedFeatures ? '--supported-features' : 'GatewayClass status'}): ${[...supported].sort().join(', ') || '(none)'}`);
      const checkEnv: CheckEnv = {
        readStatus,
        timeouts,
        controllerName: CONTROLLER_NAME,
        generations: new Map(),
        podCount: (ns) => cluster.podCount(ns),
        manifest: (kind, ns, name) => dir.get(kind, ns, name),
        usableAddresses: o.usableAddresses,
        unusableAddresses: o.unusableAddresses,
        log: (message) => trace.write({ event: 'note', message }),
      };
      const namespaces = base.filter((b) => b.kind === 'Namespace').map((b) => b.metadata.name);
      await runStatusCheck({ check: 'NamespacesMustBeReady', namespaces, step: 0 }, checkEnv);
      o.log(`base ready: ${namespaces.join(', ')}`);
    } catch (e) {
      setupError = (e as Error).message;
      failedSetup = true;
      o.log(`setup failed: ${setupError}`);
      trace.write({ event: 'setup-failure', message: setupError });
    }
    const env: TestEnv = { suiteDir: o.suiteDir, cluster, readStatus, timeouts, manifestContext: ctx, supported, trace };
    let meshBaseApplied = false;
    for (const test of tests) {
      const reason = skipReason(test, supported);
      let r: TestResult;
      if (setupError !== undefined && (reason === undefined || supported.size === 0)) {
        r = { name: test.name, result: 'failed', failures: [`suite setup failed: ${setupError}`], notes: [], durationMs: 0 };
      } else if (reason === undefined && portway && !portway.running) {
        r = { name: test.name, result: 'failed', failures: [`portway exited (${portway.exitDescription()}) before the test`], notes: [], durationMs: 0 };
      } else if (reason !== undefined) {
        r = { name: test.name, result: 'skipped', skipReason: reason, failures: [], notes: [], durationMs: 0 };
      } else {
        if (isMeshTest(test) && !meshBaseApplied) {
          meshBaseApplied = true;
          await cluster.apply('03-mesh-base', prepareManifests(suite.meshManifests, ctx)).catch((e: Error) => o.log(`mesh base manifests: ${e.message}`));
        }
        r = await runTest(test, env);
      }
      results.push(r);
      trace.write({ test: test.name, event: 'result', result: r.result, failures: r.failures, skipReason: r.skipReason, notes: r.notes, ms: r.durationMs });
      o.log(resultLine(r));
    }
  } finally {
    await trace.close();
    const crashed = portway !== undefined && !portway.running;
    if (crashed) o.log(`portway exited during the run (${portway!.exitDescription()}); its log is in ${join(tmp, 'portway.log')}`);
    if (portway) await portway.stop();
    if (workloads) await workloads.closeAll();
    if (o.keepDir || failedSetup || crashed) o.log(`kept ${tmp} (cluster files, portway.log)`);
    else await rm(tmp, { recursive: true, force: true });
  }
  const report = buildReport({
    date: new Date(),
    gatewayAPIVersion: suite.features.source?.tag ?? 'v1.6.1',
    gatewayAPIChannel: channelOf(suite.features.features, supported),
    implementation: { organization: 'portway.dev', project: 'portway', url: 'https://portway.dev', version: await portwayVersion(o.portwayScript), contact: [] },
    mode: 'standalone',
    profiles,
    tests,
    results,
    supported,
  });
  for (const line of reportLines(report)) o.log(line);
  if (o.reportFile) await writeFile(o.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  const exitCode = failedSetup || results.some((r) => r.result === 'failed') ? 1 : 0;
  return { report, results, exitCode };
}

/** Waits for the GatewayClass to be accepted and reads its supportedFeatures (Portway's feature registry). */
async function supportedFeatures(readStatus: StatusReader, timeouts: Timeouts): Promise<Set<string>> {
  const s = await pollStatus(readStatus, `GatewayClass ${GATEWAY_CLASS_NAME} must be accepted`, timeouts.ms('GWCMustBeAccepted'), 100, (snap) => {
    const gc = snap.get('GatewayClass', undefined, GATEWAY_CLASS_NAME);
    if (!gc) return `GatewayClass ${GATEWAY_CLASS_NAME} not shown`;
    const conds = asConditions(gc.status?.['conditions']);
    return findCondition(conds, { type: 'Accepted', status: 'True' }) || `conditions: ${JSON.stringify(conds)}`;
  });
  const gc = s.get('GatewayClass', undefined, GATEWAY_CLASS_NAME)!;
  const list = gc.status?.['supportedFeatures'];
  const names = Array.isArray(list) ? list.map((f) => (typeof f === 'string' ? f : (f as { name?: string }).name ?? '')).filter((n) => n !== '') : [];
  return new Set(names);
}

function isMeshTest(t: ConformanceTest): boolean {
  return t.features.includes('Mesh');
}

function resultLine(r: TestResult): string {
  const secs = `${(r.durationMs / 1000).toFixed(1)} s`;
  if (r.result === 'passed') return `PASS ${r.name} (${secs})${r.notes.length ? ` — ${r.notes[0]}` : ''}`;
  if (r.result === 'skipped') return `SKIP ${r.name}: ${r.skipReason}`;
  return `FAIL ${r.name} (${secs}): ${r.failures.join(' | ')}`;
}

/** "experimental" when Portway supports a feature of the experimental channel, else "standard". */
function channelOf(features: readonly { name: string; channel: string }[], supported: ReadonlySet<string>): string {
  return features.some((f) => f.channel === 'experimental' && supported.has(f.name)) ? 'experimental' : 'standard';
}

/** The version in the package.json next to Portway's dist folder. */
async function portwayVersion(script: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(dirname(script), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
