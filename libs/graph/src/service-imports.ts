import type { Resources } from './resources.js';
import type { ResolvedBackend } from './types.js';

/** MCS labels on the EndpointSlices that back a ServiceImport (KEP-1645). */
export const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
export const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';

/**
 * Resolves a ServiceImport port to the endpoints of every cluster that exports the Service:
 * the EndpointSlices in the import's namespace labelled with `multicluster.kubernetes.io/service-name`,
 * each endpoint tagged with the slice's `multicluster.kubernetes.io/source-cluster`. A Service
 * reference means cluster-local endpoints; a ServiceImport reference means the whole ClusterSet
 * (GEP-1748). `spec.trafficDistribution: PreferClose` asks the agent to prefer its own cluster.
 * Returns the reason as a string when the import or its port does not exist.
 */
export function resolveServiceImport(
  namespace: string,
  name: string,
  port: number | undefined,
  protocol: string,
  resources: Resources,
): ResolvedBackend | string {
  const imp = resources.get('ServiceImport', namespace, name);
  if (!imp) return `ServiceImport ${namespace}/${name} does not exist`;
  if (port === undefined) return `backendRef to ServiceImport ${namespace}/${name} has no port`;
  const impPort = imp.spec?.ports.find((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
  if (!impPort) return `ServiceImport ${namespace}/${name} has no ${protocol} port ${port}`;

  const endpoints: ResolvedBackend['endpoints'] = [];
  const seen = new Set<string>();
  for (const slice of resources.importSlicesOf(namespace, name)) {
    const cluster = slice.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL];
    const slicePort = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === (impPort.name ?? '') && (p.protocol ?? 'TCP') === protocol,
    );
    if (!slicePort?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      for (const address of ep.addresses ?? []) {
        const k = `${cluster ?? ''}/${address}:${slicePort.port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        endpoints.push({
          address,
          port: slicePort.port,
          ready: ep.conditions?.ready !== false,
          ...(ep.zone ? { zone: ep.zone } : {}),
          ...(cluster ? { cluster } : {}),
        });
      }
    }
  }
  endpoints.sort(
    (a, b) =>
      (a.cluster ?? '').localeCompare(b.cluster ?? '') ||
      (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port),
  );
  return {
    kind: 'ServiceImport',
    namespace,
    name,
    port,
    ...(impPort.appProtocol ? { appProtocol: impPort.appProtocol } : {}),
    endpoints,
    ...(imp.spec?.trafficDistribution === 'PreferClose' ? { clusterPolicy: { mode: 'PreferClose' as const } } : {}),
  };
}
