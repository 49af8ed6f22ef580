import { MCS_GROUP, type BackendPolicy } from '@portway/api';
import * as cond from './conditions.js';
import { parseDuration } from './durations.js';
import { compareCreation } from './order.js';
import type { Resources } from './resources.js';
import type { BackendKind, BackendPolicyNode, ResolvedBackend, RouteNode } from './types.js';

/** What a BackendPolicy gives the backends it targets (merged into `ResolvedBackend`). */
export interface BackendPolicySettings {
  /** "namespace/name" of the policy. */
  policy: string;
  trafficDistribution?: 'Spread' | 'PreferClose';
  weights?: Record<string, number>;
  failoverOrder?: string[];
  healthCheck?: NonNullable<ResolvedBackend['healthCheck']>;
}

export interface BackendPolicyIndex {
  nodes: BackendPolicyNode[];
  /** The settings of the policy that applies to a Service or ServiceImport (the oldest valid one). */
  lookup(kind: BackendKind, namespace: string, name: string): BackendPolicySettings | undefined;
  /** Every policy that targets it (for the policies' ancestors), the conflicted ones included. */
  targeting(kind: BackendKind, namespace: string, name: string): BackendPolicyNode[];
}

/** Defaults of the CRD, for objects that did not go through admission (tests, callers of the pure core). */
const ACTIVE_DEFAULTS = { interval: '5s', timeout: '1s', healthyThreshold: 2, unhealthyThreshold: 2 };
const PASSIVE_DEFAULTS = { consecutiveErrors: 5, baseEjectionTime: '30s', maxEjectionPercent: 50 };

/**
 * Portway's BackendPolicy (`portway.dev/v1alpha1`): per-cluster weights, failover order and
 * health checking for the Services and ServiceImports it targets, in its own namespace.
 *
 * - A target of another kind is `Accepted=False, Invalid`; a target that does not exist is
 *   `Accepted=False, TargetNotFound`. The settings still apply to the policy's other targets.
 * - Two policies targeting one backend: the oldest applies, the other is `Accepted=False, Conflicted`.
 * - A ServiceImport target gets a cluster policy: `clusters` (weights) make it Weighted;
 *   otherwise `trafficDistribution` (or the ServiceImport's own) picks Spread or PreferClose;
 *   `failover` is the cluster priority order (PreferClose, and Weighted when the weighted clusters
 *   are down). A Service target (one cluster) gets the health checks only.
 */
export function buildBackendPolicies(policies: readonly BackendPolicy[], resources: Resources): BackendPolicyIndex {
  const nodes: BackendPolicyNode[] = [];
  const winners = new Map<string, { node: BackendPolicyNode; settings: BackendPolicySettings }>();
  const byTarget = new Map<string, BackendPolicyNode[]>();
  for (const policy of [...policies].sort(compareCreation)) {
    const namespace = policy.metadata.namespace ?? 'default';
    const key = `${namespace}/${policy.metadata.name}`;
    const node: BackendPolicyNode = { source: policy, key, ancestors: [], accepted: true, conditions: [cond.policyAccepted()] };
    const settings = settingsOf(policy, key);
    const problems: { reason: 'Invalid' | 'TargetNotFound'; message: string }[] = [];
    let lost: string | undefined;
    (policy.spec.targetRefs ?? []).forEach((t, i) => {
      const kind = targetKind(t.group, t.kind);
      if (kind === undefined) {
        problems.push({ reason: 'Invalid', message: `targetRefs[${i}]: ${t.group ? `${t.group}/` : ''}${t.kind} is not a supported target (a Service or a multicluster.x-k8s.io ServiceImport)` });
        return;
      }
      if (!resources.get(kind, namespace, t.name)) {
        problems.push({ reason: 'TargetNotFound', message: `targetRefs[${i}]: ${kind} ${namespace}/${t.name} does not exist` });
        return;
      }
      const target = `${kind}/${namespace}/${t.name}`;
      byTarget.set(target, [...(byTarget.get(target) ?? []), node]);
      const winner = winners.get(target);
      if (winner) lost ??= winner.node.key;
      else winners.set(target, { node, settings });
    });
    if (lost) {
      node.accepted = false;
      node.conditions = [cond.policyConflicted(`Policy ${lost} targets the same backend and is older`)];
    } else if (problems.length > 0) {
      node.accepted = false;
      const message = problems.map((p) => p.message).join('; ');
      node.conditions = [problems.some((p) => p.reason === 'Invalid') ? cond.policyInvalid(message) : cond.policyTargetNotFound(message)];
    }
    nodes.push(node);
  }
  return {
    nodes,
    lookup: (kind, namespace, name) => winners.get(`${kind}/${namespace}/${name}`)?.settings,
    targeting: (kind, namespace, name) => byTarget.get(`${kind}/${namespace}/${name}`) ?? [],
  };
}

function targetKind(group: string, kind: string): BackendKind | undefined {
  if (group === '' && kind === 'Service') return 'Service';
  if (group === MCS_GROUP && kind === 'ServiceImport') return 'ServiceImport';
  return undefined;
}

function settingsOf(policy: BackendPolicy, key: string): BackendPolicySettings {
  const spec = policy.spec;
  const out: BackendPolicySettings = { policy: key };
  if (spec.trafficDistribution) out.trafficDistribution = spec.trafficDistribution;
  if (spec.clusters && spec.clusters.length > 0) out.weights = Object.fromEntries(spec.clusters.map((c) => [c.name, c.weight]));
  if (spec.failover && spec.failover.length > 0) out.failoverOrder = [...spec.failover];
  const active = spec.healthCheck?.active;
  const passive = spec.healthCheck?.passive;
  if (active || passive) {
    const hc: NonNullable<BackendPolicySettings['healthCheck']> = {};
    if (active) {
      const a = { ...ACTIVE_DEFAULTS, ...active };
      hc.active = {
        type: a.type,
        ...(a.type === 'HTTP' ? { path: a.http?.path ?? '/' } : {}),
        ...(a.type === 'HTTP' && a.http?.expectedStatuses?.length ? { expectedStatuses: [...a.http.expectedStatuses] } : {}),
        intervalMs: parseDuration(a.interval) ?? 5_000,
        timeoutMs: parseDuration(a.timeout) ?? 1_000,
        healthyThreshold: a.healthyThreshold,
        unhealthyThreshold: a.unhealthyThreshold,
      };
    }
    if (passive) {
      const p = { ...PASSIVE_DEFAULTS, ...passive };
      hc.passive = {
        consecutiveErrors: p.consecutiveErrors,
        baseEjectionMs: parseDuration(p.baseEjectionTime) ?? 30_000,
        maxEjectionPercent: p.maxEjectionPercent,
      };
    }
    out.healthCheck = hc;
  }
  return out;
}

/**
 * A resolved backend with the settings of the BackendPolicy that targets it. For a ServiceImport
 * the cluster policy is: Weighted when the policy gives weights; else the policy's
 * trafficDistribution, else the one the ServiceImport asked for (already in `backend.clusterPolicy`),
 * else Spread; with the policy's failover order.
 */
export function withBackendPolicy(backend: ResolvedBackend, settings: BackendPolicySettings | undefined): ResolvedBackend {
  if (settings === undefined) return backend;
  const out: ResolvedBackend = { ...backend, backendPolicy: settings.policy };
  if (settings.healthCheck) out.healthCheck = settings.healthCheck;
  if (backend.kind === 'ServiceImport') {
    const failover = settings.failoverOrder ? { failoverOrder: settings.failoverOrder } : {};
    if (settings.weights) out.clusterPolicy = { mode: 'Weighted', weights: settings.weights, ...failover };
    else {
      const mode = settings.trafficDistribution ?? backend.clusterPolicy?.mode ?? 'Spread';
      if (mode === 'Spread') delete out.clusterPolicy;
      else out.clusterPolicy = { mode, ...failover };
    }
  }
  return out;
}

/** A BackendPolicy's ancestors: the Gateways whose accepted routes use a backend it targets. */
export function recordBackendPolicyAncestors(routes: readonly RouteNode[], index: BackendPolicyIndex): void {
  if (index.nodes.length === 0) return;
  for (const r of routes) {
    const gateways = [...new Set(r.parents.filter((p) => p.accepted).map((p) => p.gateway))];
    for (const rule of r.rules) {
      for (const b of [...rule.backendRefs, ...Object.values(rule.mirrors)]) {
        if (!b.backend) continue;
        for (const node of index.targeting(b.backend.kind, b.backend.namespace, b.backend.name)) {
          for (const g of gateways) if (!node.ancestors.includes(g)) node.ancestors.push(g);
        }
      }
    }
  }
  for (const n of index.nodes) n.ancestors.sort();
}
