import type { XBackendTrafficPolicy } from '@portway/api';
import * as cond from './conditions.js';
import { parseDuration as durationMs } from './durations.js';
import { compareCreation } from './order.js';
import type { BackendTrafficPolicyNode, ResolvedBackend } from './types.js';

/** What an XBackendTrafficPolicy gives the backends of the Services it targets. */
export type BackendTraffic = NonNullable<ResolvedBackend['traffic']>;

export interface BackendTrafficPolicyIndex {
  nodes: BackendTrafficPolicyNode[];
  lookup(namespace: string, service: string): BackendTraffic | undefined;
  targeting(namespace: string, service: string): BackendTrafficPolicyNode[];
}

/**
 * XBackendTrafficPolicy (experimental): retry budgets and session persistence for the Services
 * it targets. Two policies targeting one Service: the oldest applies, the other is
 * `Accepted=False, Conflicted`. Defaults are the spec's: budget 20% over 10 s, at least 10
 * retries per second.
 */
export function buildBackendTrafficPolicies(policies: readonly XBackendTrafficPolicy[]): BackendTrafficPolicyIndex {
  const nodes: BackendTrafficPolicyNode[] = [];
  const winners = new Map<string, { node: BackendTrafficPolicyNode; traffic: BackendTraffic }>();
  const byService = new Map<string, BackendTrafficPolicyNode[]>();
  for (const policy of [...policies].sort(compareCreation)) {
    const namespace = policy.metadata.namespace ?? 'default';
    const key = `${namespace}/${policy.metadata.name}`;
    const node: BackendTrafficPolicyNode = { source: policy, key, ancestors: [], accepted: true, conditions: [cond.policyAccepted()] };
    const traffic = trafficOf(policy, key);
    let lost: string | undefined;
    for (const t of policy.spec.targetRefs) {
      if (t.group !== '' || t.kind !== 'Service') continue;
      const svc = `${namespace}/${t.name}`;
      byService.set(svc, [...(byService.get(svc) ?? []), node]);
      const winner = winners.get(svc);
      if (winner) lost ??= winner.node.key;
      else winners.set(svc, { node, traffic });
    }
    if (lost) {
      node.accepted = false;
      node.conditions = [cond.policyConflicted(`Policy ${lost} targets the same Service and is older`)];
    }
    nodes.push(node);
  }
  return {
    nodes,
    lookup: (namespace, service) => winners.get(`${namespace}/${service}`)?.traffic,
    targeting: (namespace, service) => byService.get(`${namespace}/${service}`) ?? [],
  };
}

function trafficOf(policy: XBackendTrafficPolicy, key: string): BackendTraffic {
  const rc = policy.spec.retryConstraint;
  const sp = policy.spec.sessionPersistence;
  return {
    policy: key,
    ...(rc
      ? {
          retryBudget: {
            percent: rc.budget?.percent ?? 20,
            intervalMs: durationMs(rc.budget?.interval) ?? 10_000,
            minRetries: rc.minRetryRate?.count ?? 10,
            minRetryIntervalMs: durationMs(rc.minRetryRate?.interval) ?? 1_000,
          },
        }
      : {}),
    ...(sp
      ? {
          sessionPersistence: {
            type: sp.type ?? 'Cookie',
            ...(sp.sessionName ? { name: sp.sessionName } : {}),
            ...(durationMs(sp.absoluteTimeout) !== undefined ? { absoluteTimeoutMs: durationMs(sp.absoluteTimeout)! } : {}),
            ...(durationMs((sp as { idleTimeout?: string }).idleTimeout) !== undefined
              ? { idleTimeoutMs: durationMs((sp as { idleTimeout?: string }).idleTimeout)! }
              : {}),
            ...(sp.cookieConfig?.lifetimeType ? { cookieLifetime: sp.cookieConfig.lifetimeType } : {}),
          },
        }
      : {}),
  };
}
