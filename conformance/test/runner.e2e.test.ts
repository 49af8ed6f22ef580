/**
 * End to end: the real runner (suite loader, certificates, echo pods, EndpointSlices, status
 * checks, traffic, actions, report, trace) against the real Portway CLI, over a small suite folder
 * made of a few core tests of the shared suite, one test Portway does not claim, and one test
 * whose expectation was altered so that it must fail.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type RunOutcome } from '../src/runner/run-suite.js';
import type { ConformanceTest } from '../src/suite/types.js';
import { realStartEcho } from './helpers/echo.js';
import { REPO_ROOT, SUITE_DIR } from './helpers/suite-dir.js';

const PORTWAY = resolve(REPO_ROOT, 'apps/portway/dist/main.js');
const HAVE_PORTWAY = existsSync(PORTWAY);
if (!HAVE_PORTWAY) console.warn(`[conformance e2e] skipped: ${PORTWAY} does not exist (build Portway with "npm run build")`);

const CORE = ['HTTPRouteSimpleSameNamespace', 'HTTPRouteInvalidCrossNamespaceParentRef', 'GatewayObservedGenerationBump', 'HTTPRouteServiceTypes'];
const UNCLAIMED = 'MeshBasic'; // Portway does not claim the Mesh feature
const BROKEN = 'HTTPRouteSimpleSameNamespaceWrongBackend';

describe.skipIf(!HAVE_PORTWAY)('conformance runner against Portway', () => {
  let dir: string;
  let outcome: RunOutcome;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conformance-e2e-'));
    await mkdir(join(dir, 'tests', 'manifests'), { recursive: true });
    await cp(join(SUITE_DIR, 'base'), join(dir, 'base'), { recursive: true });
    await cp(join(SUITE_DIR, 'features.json'), join(dir, 'features.json'));
    for (const name of [...CORE, UNCLAIMED]) {
      const t = JSON.parse(await readFile(join(SUITE_DIR, 'tests', `${name}.json`), 'utf8')) as ConformanceTest;
      await writeFile(join(dir, 'tests', `${name}.json`), JSON.stringify(t));
      for (const f of t.manifests.files) await cp(join(SUITE_DIR, f), join(dir, f));
    }
    // The same test, expecting the other backend: it must fail.
    const broken = JSON.parse(await readFile(join(SUITE_DIR, 'tests', 'HTTPRouteSimpleSameNamespace.json'), 'utf8')) as ConformanceTest & { cases: { backendExpectation: { podNamePrefix: string } }[] };
    broken.name = BROKEN;
    broken.cases[0]!.backendExpectation.podNamePrefix = 'infra-backend-v2';
    await writeFile(join(dir, 'tests', `${BROKEN}.json`), JSON.stringify(broken));
    outcome = await runSuite({
      suiteDir: dir,
      profiles: [],
      tests: [],
      reportFile: join(dir, 'report.json'),
      traceFile: join(dir, 'trace.jsonl'),
      portwayScript: PORTWAY,
      timeoutScale: 0.2,
      // Addresses of their own, so other tests running at the same time do not collide.
      addressPool: '127.0.106.1-127.0.106.253',
      usableAddresses: ['127.0.106.254'],
      podSubnet: 6,
      unusableAddresses: ['192.0.2.1'],
      keepDir: false,
      log: (l) => lines.push(l),
      startEcho: realStartEcho,
    });
  }, 300_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('passes the core tests Portway supports, through status checks, traffic and actions', () => {
    for (const name of CORE) expect(outcome.results.find((r) => r.name === name), `${name}: ${lines.join('\n')}`).toMatchObject({ result: 'passed', failures: [] });
  });

  it('skips a test needing a feature Portway does not claim, with the reason', () => {
    expect(outcome.results.find((r) => r.name === UNCLAIMED)).toMatchObject({ result: 'skipped', skipReason: 'unsupported feature(s): Mesh' });
  });

  it('fails a test whose expectation Portway cannot meet, and exits non-zero', () => {
    const r = outcome.results.find((x) => x.name === BROKEN)!;
    expect(r.result).toBe('failed');
    expect(r.failures.join('\n')).toMatch(/expected pod name to start with infra-backend-v2, got infra-backend-v1-/);
    expect(outcome.exitCode).toBe(1);
  });

  it('writes the report in the upstream shape, and one trace line per attempt', async () => {
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as typeof outcome.report;
    expect(report).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ConformanceReport', mode: 'standalone', gatewayAPIVersion: 'v1.6.1', implementation: { organization: 'portway.dev', project: 'portway' } });
    expect(report.summary).toEqual({ passed: 4, failed: 1, skipped: 1 });
    const http = report.profiles.find((p) => p.name === 'GATEWAY-HTTP')!;
    expect(http.core.statistics).toEqual({ Passed: 4, Failed: 1, Skipped: 0 });
    expect(http.core.failedTests).toEqual([BROKEN]);
    // MeshBasic belongs to the mesh profiles only: skipped there, absent from the gateway ones.
    expect(report.profiles.find((p) => p.name === 'MESH-HTTP')!.core.statistics).toEqual({ Passed: 0, Failed: 0, Skipped: 1 });
    expect(report.profiles.find((p) => p.name === 'GATEWAY-TCP')!.core.statistics).toEqual({ Passed: 1, Failed: 0, Skipped: 0 });
    expect(lines).toContain('GATEWAY-HTTP core: 4 passed, 1 failed, 0 skipped');
    const trace = (await readFile(join(dir, 'trace.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const attempts = trace.filter((e) => e['test'] === 'HTTPRouteSimpleSameNamespace' && e['attempt'] !== undefined);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.at(-1)).toMatchObject({ pass: true, response: { status: 200 }, backend: { namespace: 'gateway-conformance-infra' } });
    expect(trace.some((e) => e['test'] === 'GatewayObservedGenerationBump' && e['event'] === 'action')).toBe(true);
  });
});
