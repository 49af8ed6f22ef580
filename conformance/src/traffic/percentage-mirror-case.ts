import type { PercentageMirrorCase } from '../suite/types.js';
import { mapConcurrent } from '../util/concurrency.js';
import { sleep } from '../util/sleep.js';
import { newUuid, type CaseEnv, type CaseOutcome } from './case-env.js';
import { withQueryParam } from './go-compat.js';
import { attemptHttp, eventuallyConsistent, planHttpAttempt, traceOf } from './http-case.js';
import { resolveTarget } from './target.js';

/**
 * httpPercentageMirror: up to `maxAttempts` times, tag the base request with a fresh request id,
 * send `totalRequests` of them (each must pass the base expectation, retried within
 * MaxTimeToConsistency), then count the mirror backends' "Echoing back request made to <path>"
 * lines since the attempt began; every count must fall within [min, max].
 */
export async function runPercentageMirror(c: PercentageMirrorCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const base = c.baseCase;
  const target = resolveTarget(c.target ?? base.target!, await env.readStatus());
  let last = '';
  for (let attempt = 1; attempt <= c.maxAttempts; attempt++) {
    const started = Date.now();
    const id = newUuid(env);
    const request = withQueryParam(base.request.path, c.requestIdQueryParam, id);
    const expected = withQueryParam(base.expectedRequest?.path ?? base.request.path, c.requestIdQueryParam, id);
    let failure: string | undefined;
    await mapConcurrent(c.totalRequests, c.concurrency ?? 10, async (i) => {
      if (failure) return;
      const out = await eventuallyConsistent(
        env.timeouts.ms('MaxTimeToConsistency'),
        async () => {
          const plan = planHttpAttempt({ ...base, backendExpectation: { path: expected, method: 'GET', namespace: base.namespace ?? '', podNamePrefix: base.backend ?? '', ...(base.expectedRequest?.headers ? { headers: base.expectedRequest.headers } : {}), ...(base.expectedRequest?.absentHeaders ? { absentHeaders: base.expectedRequest.absentHeaders } : {}) } }, env, target, { request, expected });
          const r = await attemptHttp(plan);
          if (!r.pass || i === 0) env.trace({ ...label, attempt, request: i, ...traceOf(plan, r) });
          return { pass: r.pass, ...(r.why ? { why: r.why } : {}) };
        },
        1,
      );
      if (!out.ok) failure ??= `request ${i + 1}: ${out.why}`;
    });
    if (failure) return { ok: false, why: failure, attempts: attempt };
    const counts = await settledMirrorCounts(env, c, request, started);
    const bad = Object.entries(c.expectedMirrorCounts).filter(([name, e]) => (counts[name] ?? 0) < e.min || (counts[name] ?? 0) > e.max);
    env.trace({ ...label, attempt, mirrorCounts: counts, expected: c.expectedMirrorCounts, pass: bad.length === 0 });
    if (bad.length === 0) return { ok: true, attempts: attempt };
    last = bad.map(([name, e]) => `${name} logged ${counts[name] ?? 0} mirrored requests, expected ${e.min.toFixed(1)}..${e.max.toFixed(1)}`).join('; ');
    if (attempt < c.maxAttempts) await sleep((c.sleepBetweenAttemptsSeconds ?? 2) * 1000);
  }
  return { ok: false, why: `after ${c.maxAttempts} attempts: ${last}`, fatal: false, attempts: c.maxAttempts };
}

/**
 * Mirrored copies travel asynchronously: the counts are read until they stop changing for 300 ms
 * (at most RequestTimeout), then judged.
 */
async function settledMirrorCounts(env: CaseEnv, c: PercentageMirrorCase, path: string, since: number): Promise<Record<string, number>> {
  const needle = `Echoing back request made to ${path} to client`;
  const read = () =>
    Object.fromEntries(Object.entries(c.expectedMirrorCounts).map(([name, e]) => [name, env.podLogs(e.namespace, { app: name }, since).filter((l) => l.line.includes(needle)).length]));
  const deadline = Date.now() + env.timeouts.ms('RequestTimeout');
  let prev = read();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const cur = read();
    if (JSON.stringify(cur) !== JSON.stringify(prev)) {
      prev = cur;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 300) break;
  }
  return prev;
}
