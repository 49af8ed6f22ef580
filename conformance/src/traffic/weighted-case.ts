import { randomInt } from 'node:crypto';
import { backendOfPod } from '../cluster/pod-plan.js';
import type { WeightedCase } from '../suite/types.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { CaseEnv, CaseOutcome } from './case-env.js';
import { captureRequest } from './compare-round-trip.js';
import { callGrpcEcho } from './grpc-client.js';
import { roundTrip } from './round-trip.js';
import { tcpTestPod, TCP_WELCOME } from './tcp-cases.js';
import { dialPort, resolveTarget, type ResolvedTarget } from './target.js';
import { udpPod } from './udp-cases.js';

/** Sends one request of a weighted test and returns the pod that answered (throws on a bad answer). */
export type Sampler = () => Promise<string>;

/**
 * Checks a distribution of answering backends (pod names already reduced to backend names):
 * every backend must be expected, as many distinct backends as weights > 0, and each share within
 * `tolerance` of its weight. Returns undefined when it holds.
 */
export function checkDistribution(seen: ReadonlyMap<string, number>, total: number, weights: Readonly<Record<string, number>>, tolerance: number): string | undefined {
  for (const b of seen.keys()) if (!(b in weights)) return `backend ${b} answered but is not one of ${Object.keys(weights).join(', ')}`;
  const positive = Object.values(weights).filter((w) => w > 0).length;
  if (seen.size !== positive) return `${seen.size} backends answered (${[...seen.keys()].join(', ')}), expected ${positive}`;
  for (const [b, w] of Object.entries(weights)) {
    const share = (seen.get(b) ?? 0) / total;
    if (Math.abs(share - w) > tolerance) return `backend ${b} got ${(share * 100).toFixed(1)}% of the requests, expected ${(w * 100).toFixed(1)}% ± ${(tolerance * 100).toFixed(1)}%`;
  }
  return undefined;
}

/**
 * A weighted case (httpWeighted, grpcWeighted, tcpWeighted, udpWeighted): `totalRequests`
 * samples, `concurrency` at a time; the distribution must hold; the whole run is retried up to
 * `maxAttempts` times.
 */
export async function runWeightedCase(c: WeightedCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const target = resolveTarget(c.target!, await env.readStatus());
  const sample = samplerFor(c, env, target);
  let last = '';
  for (let attempt = 1; attempt <= c.maxAttempts; attempt++) {
    const seen = new Map<string, number>();
    let error: string | undefined;
    await mapConcurrent(c.totalRequests, c.concurrency ?? 10, async () => {
      if (error) return;
      try {
        const b = backendOfPod(await sample());
        seen.set(b, (seen.get(b) ?? 0) + 1);
      } catch (e) {
        error ??= (e as Error).message;
      }
    });
    const why = error ? `a request failed: ${error}` : checkDistribution(seen, c.totalRequests, c.expectedWeights, c.tolerance);
    env.trace({ ...label, attempt, distribution: Object.fromEntries(seen), pass: !why, ...(why ? { why } : {}) });
    if (!why) return { ok: true, attempts: attempt };
    last = why;
  }
  return { ok: false, why: `distribution not within tolerance after ${c.maxAttempts} attempts: ${last}`, attempts: c.maxAttempts };
}

function samplerFor(c: WeightedCase, env: CaseEnv, t: ResolvedTarget): Sampler {
  const timeout = c.perRequestTimeoutSeconds !== undefined ? env.timeouts.seconds(c.perRequestTimeoutSeconds) : env.timeouts.ms('RequestTimeout');
  switch (c.kind) {
    case 'httpWeighted':
      return async () => {
        const headers: [string, string][] = [['X-Echo-Set-Header', '']];
        if (c.entropy && randomInt(2) === 0) headers.push(['X-Jitter', String(randomInt(10000))]);
        const res = await roundTrip({ url: `http://${t.address}${c.request.path ?? '/'}`, method: c.request.method ?? 'GET', headers, protocol: 'HTTP', followRedirects: true, timeoutMs: timeout });
        const codes = c.perRequestExpectation?.response?.statusCodes ?? [200];
        if (!codes.includes(res.status)) throw new Error(`HTTP ${res.status}`);
        const cap = captureRequest(res.headers, res.body, c.request.method ?? 'GET');
        const ns = c.perRequestExpectation?.namespace;
        if (ns !== undefined && cap.namespace !== ns) throw new Error(`namespace ${cap.namespace}, expected ${ns}`);
        if (!cap.pod) throw new Error('the reply names no pod');
        return cap.pod;
      };
    case 'grpcWeighted':
      return async () => {
        const md: Record<string, string> = {};
        if (c.entropy && randomInt(2) === 0) md['x-jitter'] = String(randomInt(10000));
        const r = await callGrpcEcho({ address: `${t.ip}:${dialPort(t, 'http')}`, fullMethod: c.request.fullMethod ?? '', metadata: md, deadlineMs: timeout });
        const want = c.perRequestExpectation?.response?.codeNumber ?? 0;
        if (r.code !== want) throw new Error(`gRPC status ${r.code}${r.details ? ` (${r.details})` : ''}, expected ${want}`);
        const pod = r.response?.assertions?.context?.pod;
        if (!pod) throw new Error('the reply names no pod');
        return pod;
      };
    case 'tcpWeighted':
      return () => tcpTestPod(t.ip, dialPort(t, 'tcp'), timeout, c.perRequestExpectation?.welcomeLine ?? TCP_WELCOME);
    case 'udpWeighted': {
      const udpTimeout = env.timeouts.seconds(c.perRequestExpectation?.timeoutSeconds ?? 2);
      return () => udpPod(t.ip, dialPort(t, 'udp'), String(c.request.payload ?? ''), udpTimeout);
    }
    default:
      throw new Error(`weighted case kind ${c.kind} cannot be sent by this runner`);
  }
}
