import type { BackendTLSPolicy } from '@portway/api';
import { parseCertificateBundle } from './certificates.js';
import * as cond from './conditions.js';
import type { Condition } from './conditions.js';
import { compareCreation } from './order.js';
import type { Resources } from './resources.js';
import type { BackendTLSPolicyNode, ResolvedBackend } from './types.js';

/** The TLS settings a policy gives a backend, or `invalid` when the policy has no usable CA. */
export type BackendTls = NonNullable<ResolvedBackend['tls']> | { invalid: string; policy: string };

export interface BackendTLSPolicyIndex {
  nodes: BackendTLSPolicyNode[];
  /** The policy that applies to a Service port: one naming the port (sectionName) wins over one for the whole Service. */
  lookup(namespace: string, service: string, portName: string | undefined): BackendTls | undefined;
  /** Every policy that targets the Service (any section), winners and losers. */
  targeting(namespace: string, service: string): BackendTLSPolicyNode[];
}

/**
 * Resolves BackendTLSPolicies: CA certificate references (ConfigMaps with `ca.crt`, or the
 * system CAs), and conflicts between policies that target the same Service section — the oldest
 * wins, the others are `Accepted=False, Conflicted`. A policy targeting a named port and one
 * targeting the whole Service do not conflict: the named one applies to its port.
 * Ancestors (the Gateways whose routes use a targeted Service) are added once routes are built.
 */
export function buildBackendTLSPolicies(policies: readonly BackendTLSPolicy[], resources: Resources): BackendTLSPolicyIndex {
  const nodes: BackendTLSPolicyNode[] = [];
  const winners = new Map<string, { node: BackendTLSPolicyNode; tls: BackendTls }>();
  const byService = new Map<string, BackendTLSPolicyNode[]>();

  for (const policy of [...policies].sort(compareCreation)) {
    const namespace = policy.metadata.namespace ?? 'default';
    const key = `${namespace}/${policy.metadata.name}`;
    const { conditions, tls } = resolvePolicy(policy, namespace, key, resources);
    const node: BackendTLSPolicyNode = { source: policy, key, ancestors: [], accepted: conditions[0]!.status === 'True', conditions };
    let lost: string | undefined;
    for (const t of policy.spec.targetRefs) {
      if (t.group !== '' || t.kind !== 'Service') continue;
      const list = byService.get(`${namespace}/${t.name}`) ?? [];
      if (!list.includes(node)) list.push(node);
      byService.set(`${namespace}/${t.name}`, list);
      const target = `${namespace}/${t.name}/${t.sectionName ?? ''}`;
      const winner = winners.get(target);
      if (winner) lost ??= winner.node.key;
      else winners.set(target, { node, tls });
    }
    if (lost) {
      node.accepted = false;
      node.conditions = [cond.policyConflicted(`Policy ${lost} targets the same Service section and is older`), ...conditions.filter((c) => c.type !== 'Accepted')];
    }
    nodes.push(node);
  }

  return {
    nodes,
    lookup(namespace, service, portName) {
      const named = portName ? winners.get(`${namespace}/${service}/${portName}`) : undefined;
      const chosen = named ?? winners.get(`${namespace}/${service}/`);
      return chosen?.tls;
    },
    targeting(namespace, service) {
      return byService.get(`${namespace}/${service}`) ?? [];
    },
  };
}

function resolvePolicy(
  policy: BackendTLSPolicy,
  namespace: string,
  key: string,
  resources: Resources,
): { conditions: Condition[]; tls: BackendTls } {
  const v = policy.spec.validation;
  const caCertificates: string[] = [];
  let refProblem: Condition | undefined;
  for (const ref of v.caCertificateRefs ?? []) {
    const where = `${namespace}/${ref.name}`;
    if (ref.group !== '' || ref.kind !== 'ConfigMap') {
      refProblem ??= cond.policyInvalidKind(`caCertificateRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${where}: only ConfigMaps are supported`);
      continue;
    }
    const cm = resources.get('ConfigMap', namespace, ref.name);
    if (!cm) {
      refProblem ??= cond.policyInvalidCACertificateRef(`ConfigMap ${where} does not exist`);
      continue;
    }
    const bundle = parseCertificateBundle(cm.data?.['ca.crt']);
    if ('error' in bundle) {
      refProblem ??= cond.policyInvalidCACertificateRef(`ConfigMap ${where} key ca.crt: ${bundle.error}`);
      continue;
    }
    caCertificates.push(...bundle.certificates);
  }
  const systemCAs = v.wellKnownCACertificates === 'System';
  const resolved = refProblem ?? cond.policyResolvedRefs();
  if (caCertificates.length === 0 && !systemCAs) {
    const msg = refProblem ? `No valid CA certificate: ${refProblem.message}` : 'No CA certificate reference and no well-known CA set';
    return { conditions: [cond.policyNoValidCACertificate(msg), resolved], tls: { invalid: msg, policy: key } };
  }
  return {
    conditions: [cond.policyAccepted(), resolved],
    tls: {
      policy: key,
      hostname: v.hostname,
      caCertificates,
      systemCAs,
      subjectAltNames: (v.subjectAltNames ?? []).map((s) =>
        s.type === 'URI' ? { type: 'URI' as const, value: s.uri ?? '' } : { type: 'Hostname' as const, value: s.hostname ?? '' },
      ),
    },
  };
}
