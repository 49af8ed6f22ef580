import type { GrpcCase } from '../suite/types.js';
import { type CaseEnv, type CaseOutcome } from './case-env.js';
import { callGrpcEcho, grpcCodeName, type GrpcResult } from './grpc-client.js';
import { eventuallyConsistent } from './http-case.js';
import { dialPort, resolveTarget } from './target.js';

/** Compares one RPC with a grpc case's expectation; undefined when it matches. */
export function compareGrpc(c: Pick<GrpcCase, 'request' | 'response' | 'backend' | 'namespace'>, r: GrpcResult): string | undefined {
  if (r.code !== c.response.codeNumber) return `expected status ${grpcCodeName(c.response.codeNumber)} (${c.response.codeNumber}), got ${grpcCodeName(r.code)} (${r.code})${r.details ? `: ${r.details}` : ''}`;
  if (r.code !== 0) return undefined;
  const a = r.response?.assertions;
  if ((a?.fully_qualified_method ?? '') !== c.request.fullMethod) return `expected method ${c.request.fullMethod}, the backend saw ${a?.fully_qualified_method || '(none)'}`;
  if (c.namespace && (a?.context?.namespace ?? '') !== c.namespace) return `expected namespace ${c.namespace}, got ${a?.context?.namespace ?? ''}`;
  if (!(a?.context?.pod ?? '').startsWith(c.backend ?? '')) return `expected pod to start with ${c.backend}, got ${a?.context?.pod ?? ''}`;
  return undefined;
}

/**
 * A grpc case: plaintext gRPC to the target, eventually consistent (3 in a row within
 * MaxTimeToConsistency, each RPC's deadline being what is left of that window).
 */
export async function runGrpcCase(c: GrpcCase, env: CaseEnv, label: Record<string, unknown>): Promise<CaseOutcome> {
  const target = resolveTarget(c.target!, await env.readStatus());
  const address = `${target.ip}:${dialPort(target, 'http')}`;
  const window = env.timeouts.ms('MaxTimeToConsistency');
  const start = Date.now();
  let attempt = 0;
  return eventuallyConsistent(window, async () => {
    const r = await callGrpcEcho({ address, ...(c.request.authority ? { authority: c.request.authority } : {}), fullMethod: c.request.fullMethod, metadata: c.request.metadata ?? {}, deadlineMs: window - (Date.now() - start) });
    const why = compareGrpc(c, r);
    env.trace({ ...label, attempt: ++attempt, request: { address, fullMethod: c.request.fullMethod, authority: c.request.authority, metadata: c.request.metadata }, response: { code: r.code, details: r.details }, backend: r.response?.assertions, pass: !why, ...(why ? { why } : {}) });
    return { pass: !why, ...(why ? { why } : {}) };
  });
}
