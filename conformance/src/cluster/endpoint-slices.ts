import type { KubeObject } from '../manifests/yaml-docs.js';
import type { PodPlan } from './pod-plan.js';

/** A running pod as the EndpointSlice controller sees it. */
export interface RunningPod {
  plan: PodPlan;
  ip: string;
}

type ServicePort = { name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string };

/**
 * The EndpointSlice the Kubernetes EndpointSlice controller would write for a Service: for a
 * Service with a selector, one IPv4 slice labelled `kubernetes.io/service-name`, with the
 * Service's ports (named as in the Service, numbered by the resolved targetPort) and one ready
 * endpoint per selected pod. A Service without a selector gets none (its slices are managed by
 * hand, as in the manifests).
 */
export function endpointSliceFor(service: KubeObject, pods: readonly RunningPod[]): KubeObject | undefined {
  const spec = (service['spec'] ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[]; type?: string };
  if (!spec.selector || Object.keys(spec.selector).length === 0 || spec.type === 'ExternalName') return undefined;
  const ns = service.metadata.namespace ?? 'default';
  const selected = pods
    .filter((p) => p.plan.namespace === ns && Object.entries(spec.selector!).every(([k, v]) => p.plan.labels[k] === v))
    .sort((a, b) => a.plan.name.localeCompare(b.plan.name));
  const ports = (spec.ports ?? []).map((p) => {
    const out: Record<string, unknown> = { name: p.name ?? '', port: resolveTargetPort(p, selected), protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol) out['appProtocol'] = p.appProtocol;
    return out;
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.metadata.name}-runner`,
      namespace: ns,
      labels: { 'kubernetes.io/service-name': service.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'conformance-runner.portway.dev' },
    },
    addressType: 'IPv4',
    ports,
    endpoints: selected.map((p) => ({
      addresses: [p.ip],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: ns, name: p.plan.name },
    })),
  };
}

/** A number targetPort as is; a named one looked up in the selected pods' container ports; none = the Service port. */
function resolveTargetPort(p: ServicePort, pods: readonly RunningPod[]): number {
  if (p.targetPort === undefined || p.targetPort === '') return p.port;
  if (typeof p.targetPort === 'number') return p.targetPort;
  if (/^\d+$/.test(p.targetPort)) return Number(p.targetPort);
  for (const pod of pods) {
    for (const c of pod.plan.containers) {
      const n = c.namedPorts[p.targetPort];
      if (n !== undefined) return n;
    }
  }
  return p.port;
}
