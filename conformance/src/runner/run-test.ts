import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAction } from '../actions/run-action.js';
import type { Cluster } from '../cluster/cluster.js';
import { prepareManifests, type ManifestContext } from '../manifests/prepare-manifests.js';
import { parseManifests, type KubeObject } from '../manifests/yaml-docs.js';
import { runStatusCheck, type CheckEnv } from '../status/checks.js';
import { CheckFailure, type StatusReader } from '../status/poll.js';
import type { ConformanceTest } from '../suite/types.js';
import type { CaseEnv } from '../traffic/case-env.js';
import { runCase } from '../traffic/run-case.js';
import type { Timeouts } from '../util/timeouts.js';
import type { TestResult } from './test-result.js';
import type { TraceWriter } from './trace.js';

/** Everything a test run uses. */
export interface TestEnv {
  suiteDir: string;
  cluster: Cluster;
  readStatus: StatusReader;
  timeouts: Timeouts;
  manifestContext: ManifestContext;
  supported: ReadonlySet<string>;
  trace: TraceWriter;
}

/** Reads and prepares a test's own manifests (placeholders replaced). */
export async function loadTestManifests(test: ConformanceTest, suiteDir: string, ctx: ManifestContext): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const f of test.manifests.files) {
    const path = join(suiteDir, f);
    objects.push(...parseManifests(await readFile(path, 'utf8'), path));
  }
  return prepareManifests(objects, ctx);
}

/**
 * Runs one test (SEMANTICS.md §1): applies its manifests, then, step by step, its status checks
 * (in order), its actions (in order) and its cases (at once when the step says parallelCases);
 * a fatal failure ends the steps, a non-fatal one is recorded and the steps go on. The manifests
 * are always removed at the end, and the test waits until Portway no longer shows them.
 */
export async function runTest(test: ConformanceTest, env: TestEnv): Promise<TestResult> {
  const started = Date.now();
  const result: TestResult = { name: test.name, result: 'passed', failures: [], notes: [], durationMs: 0 };
  const trace = (entry: Record<string, unknown>) => env.trace.write({ test: test.name, ...entry });
  const claimed = test.skipIfSupported?.filter((f) => env.supported.has(f)) ?? [];
  const unclaimed = test.skipIfNotSupported?.filter((f) => !env.supported.has(f)) ?? [];
  if (claimed.length > 0 || unclaimed.length > 0) {
    // Upstream the test body returns at once: the test passes without checking anything.
    const note = claimed.length > 0 ? `Portway supports ${claimed.join(', ')}: the test body returns at once` : `Portway does not support ${unclaimed.join(', ')}: the test body returns at once`;
    result.notes.push(note);
    trace({ event: 'noop', note });
    result.durationMs = Date.now() - started;
    return result;
  }
  const group = `test-${test.name}`;
  const originals = new Map<string, unknown>();
  const generations = new Map<string, number>();
  const fail = (message: string) => {
    result.result = 'failed';
    result.failures.push(message);
    trace({ event: 'failure', message });
  };
  try {
    const objects = await loadTestManifests(test, env.suiteDir, env.manifestContext);
    trace({ event: 'apply', objects: objects.length });
    await env.cluster.apply(group, objects);
    const checkEnv: CheckEnv = {
      readStatus: env.readStatus,
      timeouts: env.timeouts,
      controllerName: env.manifestContext.controllerName,
      generations,
      podCount: (ns) => env.cluster.podCount(ns),
      manifest: (kind, ns, name) => env.cluster.dir.get(kind, ns, name),
      usableAddresses: env.manifestContext.usableAddresses,
      unusableAddresses: env.manifestContext.unusableAddresses,
      log: (message) => trace({ event: 'note', message }),
    };
    const caseEnv: CaseEnv = {
      readStatus: env.readStatus,
      timeouts: env.timeouts,
      readKey: (kind, ns, name, key) => env.cluster.readKey(kind as 'Secret' | 'ConfigMap', ns, name, key),
      podLogs: (ns, labels, since) => env.cluster.workloads.podsMatching(ns, labels).flatMap((p) => env.cluster.workloads.logsOf(ns, p.plan.name, since)),
      trace: (entry) => env.trace.write(entry),
    };
    const steps = [...new Set([...test.steps.map((s) => s.step), ...test.statusChecks.map((c) => c.step), ...(test.actions ?? []).map((a) => a.step), ...test.cases.map((c) => c.step)])].sort((a, b) => a - b);
    steps: for (const n of steps) {
      const step = test.steps.find((s) => s.step === n);
      for (const check of test.statusChecks.filter((c) => c.step === n)) {
        const t0 = Date.now();
        try {
          await runStatusCheck(check, checkEnv);
          trace({ event: 'check', step: n, check: check.check, pass: true, ms: Date.now() - t0 });
        } catch (e) {
          const fatal = !(e instanceof CheckFailure) || e.fatal;
          trace({ event: 'check', step: n, check: check.check, pass: false, ms: Date.now() - t0, why: (e as Error).message });
          fail(`step ${n}${step?.name ? ` (${step.name})` : ''}: ${check.check}: ${(e as Error).message}`);
          if (fatal) break steps;
        }
      }
      for (const action of (test.actions ?? []).filter((a) => a.step === n)) {
        try {
          await runAction(action, {
            cluster: env.cluster,
            group,
            originals,
            usableAddresses: env.manifestContext.usableAddresses,
            unusableAddresses: env.manifestContext.unusableAddresses,
            log: (message) => trace({ event: 'action', step: n, message }),
          });
        } catch (e) {
          fail(`step ${n}: action ${action.action}: ${(e as Error).message}`);
          break steps;
        }
      }
      const cases = test.cases.filter((c) => c.step === n);
      const run = async (c: (typeof cases)[number]) => ({ c, outcome: await runCase(c, caseEnv, test.name) });
      const outcomes = step?.parallelCases ? await Promise.all(cases.map(run)) : await sequential(cases, run);
      let fatal = false;
      for (const { c, outcome } of outcomes) {
        if (outcome.ok) continue;
        fail(`step ${n}: case ${c.index} ${JSON.stringify(c.name ?? c.kind)}: ${outcome.why}`);
        if (outcome.fatal !== false) fatal = true;
      }
      // Sequential cases stop at the first fatal failure upstream; parallel ones all run first.
      if (fatal) break;
    }
  } catch (e) {
    fail(`setup: ${(e as Error).message}`);
  } finally {
    try {
      await env.cluster.remove(group);
      trace({ event: 'cleanup' });
    } catch (e) {
      fail(`cleanup: ${(e as Error).message}`);
    }
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Runs sequential cases until one fails fatally (later cases of the step are then not run). */
async function sequential<T, R extends { outcome: { ok: boolean; fatal?: boolean } }>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const it of items) {
    const r = await fn(it);
    out.push(r);
    if (!r.outcome.ok && r.outcome.fatal !== false) break;
  }
  return out;
}
