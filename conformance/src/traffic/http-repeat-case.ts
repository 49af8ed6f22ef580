import type { HttpCase } from '../suite/types.js';
import type { CaseEnv, CaseOutcome } from './case-env.js';
import { attemptHttp, planHttpAttempt, traceOf, type HttpCaseData } from './http-case.js';
import { resolveTarget } from './target.js';

/**
 * httpRepeat: the http request of the case (or of its `baseCase`) sent `iterations` times in a row
 * (also read from `count` / `totalRequests`); every response must pass the comparison, and, when
 * the case names them, the answering pod must start with `expectPodPrefix` and not with
 * `forbidPodPrefix`.
 */
export async function runHttpRepeat(c: HttpCase & Record<string, unknown>, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const base = ((c['baseCase'] as HttpCaseData | undefined) ?? c) as HttpCaseData;
  if (!base.request) return { ok: false, why: 'httpRepeat case without a request' };
  const n = Number(c['iterations'] ?? c['count'] ?? c['totalRequests'] ?? 1);
  const expectPrefix = typeof c['expectPodPrefix'] === 'string' ? (c['expectPodPrefix'] as string) : undefined;
  const forbidPrefix = typeof c['forbidPodPrefix'] === 'string' ? (c['forbidPodPrefix'] as string) : undefined;
  const target = resolveTarget(c.target ?? base.target!, await env.readStatus());
  for (let i = 0; i < n; i++) {
    const plan = planHttpAttempt({ ...base, target: c.target ?? base.target }, env, target);
    const r = await attemptHttp(plan);
    let why = r.why;
    const pod = r.captured?.pod ?? '';
    if (!why && forbidPrefix && pod.startsWith(forbidPrefix)) why = `pod ${pod} starts with ${forbidPrefix}`;
    if (!why && expectPrefix && !pod.startsWith(expectPrefix)) why = `pod ${pod} does not start with ${expectPrefix}`;
    env.trace({ ...label, attempt: i + 1, ...traceOf(plan, { ...r, pass: !why, ...(why ? { why } : {}) }) });
    if (why) return { ok: false, why: `request ${i + 1} of ${n}: ${why}`, attempts: i + 1 };
  }
  return { ok: true, attempts: n };
}
