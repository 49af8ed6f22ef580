/**
 * The hub's view of the ClusterSet (pure): the endpoint reports of every cluster's agent turned
 * into what an MCS implementation would create (KEP-1645) — one EndpointSlice per exporting
 * cluster and Service, labelled `multicluster.kubernetes.io/service-name` and
 * `multicluster.kubernetes.io/source-cluster`, in the Service's namespace — plus, when asked
 * (`portway controller --derive-service-imports`, where no MCS implementation runs), the
 * ServiceImports themselves, and the conditions of every export and import.
 *
 * Freshness: agents refresh their reports periodically; a report the hub has not received for
 * `staleAfterMs` (by the hub's own clock: no skew between clusters matters) is stale — its cluster
 * is gone or cut off — and its endpoints are left out, so the other clusters stop sending there.
 *
 * Conflicts: the exports of one Service in several clusters must agree on ports and type. The
 * oldest export (`exportedAt`, then cluster name) wins: it decides the ServiceImport's ports and
 * type; every constituent export gets `Conflict=True` naming the field, the winner and the clusters
 * that disagree. Exports whose type differs from the winner's are left out of the import; exports
 * whose ports differ still contribute endpoints for the ports they share by name and protocol.
 */
import type { EndpointReport } from '@portway/bus';
import type { EndpointSlice, ServiceImport } from '@portway/api';
import { MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, type Condition } from '@portway/graph';
import { exportConflict, exportExcluded, exportReady, exportStale, exportValid, importPending, importReady, noConflicts } from './clusterset-conditions.js';

/** A report with the time the hub received it (ms, hub clock). */
export interface ReceivedReport {
  report: EndpointReport;
  receivedAt: number;
}

export interface ClusterSetInput {
  reports: readonly ReceivedReport[];
  /** ServiceImports the source holds (made by an MCS implementation or written by hand). */
  imports: readonly ServiceImport[];
  /** Create the ServiceImports of exported Services that have none. */
  deriveServiceImports: boolean;
  /** The hub's clock now (ms). */
  now: number;
  staleAfterMs: number;
}

/** One cluster's export of one Service, as the hub sees it. */
export interface ExportState {
  cluster: string;
  namespace: string;
  name: string;
  exportedAt: string;
  stale: boolean;
  /** Endpoints (ready or not) the report lists. */
  endpoints: number;
  conditions: Condition[];
}

/** A ServiceImport's status (`status.clusters` and conditions). */
export interface ImportStatus {
  clusters: { cluster: string }[];
  conditions: Condition[];
}

export interface ClusterSetView {
  /** MCS-labelled EndpointSlices, one per fresh, non-excluded export. */
  slices: EndpointSlice[];
  /** ServiceImports derived from exports (only with `deriveServiceImports`, only where the source has none). */
  derivedImports: ServiceImport[];
  /** Every export, by cluster then namespace/name. */
  exports: ExportState[];
  /** Status of every ServiceImport (the source's and the derived ones), by "namespace/name". */
  importStatus: Map<string, ImportStatus>;
}

/** Labels and annotation Portway puts on what it derives. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'portway.dev/clusterset';
export const DERIVED_LABEL = 'portway.dev/derived-from-exports';

type Port = EndpointReport['ports'][number];
const portKey = (p: Port) => `${p.name ?? ''}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`;
const samePorts = (a: readonly Port[], b: readonly Port[]) => a.map(portKey).sort().join(',') === b.map(portKey).sort().join(',');
const typeOf = (r: EndpointReport) => r.type ?? 'ClusterSetIP';

/** Builds the view. */
export function buildClusterSetView(input: ClusterSetInput): ClusterSetView {
  const byService = new Map<string, ReceivedReport[]>();
  for (const r of input.reports) {
    const k = `${r.report.namespace}/${r.report.service}`;
    const list = byService.get(k) ?? [];
    list.push(r);
    byService.set(k, list);
  }
  const sourceImports = new Map(input.imports.map((i) => [`${i.metadata.namespace ?? 'default'}/${i.metadata.name}`, i]));
  const slices: EndpointSlice[] = [];
  const derivedImports: ServiceImport[] = [];
  const exports: ExportState[] = [];
  const importStatus = new Map<string, ImportStatus>();

  for (const [k, received] of [...byService].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [namespace, name] = splitKey(k);
    const fresh = received.filter((r) => input.now - r.receivedAt <= input.staleAfterMs).map((r) => r.report);
    // The oldest export wins; ties by cluster name, so every hub decides alike.
    fresh.sort((a, b) => (a.exportedAt < b.exportedAt ? -1 : a.exportedAt > b.exportedAt ? 1 : a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
    const winner = fresh[0];
    const typeConflicts = winner ? fresh.filter((r) => typeOf(r) !== typeOf(winner)).map((r) => r.cluster) : [];
    const portConflicts = winner ? fresh.filter((r) => !samePorts(r.ports, winner.ports)).map((r) => r.cluster) : [];
    const reasons = [...(portConflicts.length ? (['PortConflict'] as const) : []), ...(typeConflicts.length ? (['TypeConflict'] as const) : [])];
    const conflict = winner && reasons.length ? exportConflict(reasons, winner.cluster, winner.exportedAt, [...new Set([...portConflicts, ...typeConflicts])].sort()) : noConflicts();
    const included: string[] = [];

    for (const r of fresh) {
      if (typeConflicts.includes(r.cluster)) continue;
      included.push(r.cluster);
      slices.push(sliceOf(r));
    }
    for (const { report: r, receivedAt } of [...received].sort((a, b) => (a.report.cluster < b.report.cluster ? -1 : 1))) {
      const stale = input.now - receivedAt > input.staleAfterMs;
      const ready = stale ? exportStale(r.cluster, input.now - receivedAt) : typeConflicts.includes(r.cluster) ? exportExcluded(winner!.cluster) : exportReady(r.endpoints.length);
      exports.push({
        cluster: r.cluster,
        namespace,
        name,
        exportedAt: r.exportedAt,
        stale,
        endpoints: r.endpoints.length,
        conditions: [exportValid(r.cluster), ready, stale ? noConflicts() : conflict],
      });
    }

    // A derived import stays while any report exists (stale ones too): a cluster that is cut off
    // for a while leaves an import without endpoints rather than a route without a backend.
    const deriveFrom = winner ?? [...received].map((r) => r.report).sort((a, b) => (a.exportedAt < b.exportedAt ? -1 : a.exportedAt > b.exportedAt ? 1 : a.cluster < b.cluster ? -1 : 1))[0];
    if (deriveFrom && input.deriveServiceImports && !sourceImports.has(k)) {
      const winner = deriveFrom;
      derivedImports.push({
        apiVersion: 'multicluster.x-k8s.io/v1beta1',
        kind: 'ServiceImport',
        metadata: { name, namespace, generation: 1, creationTimestamp: winner.exportedAt, labels: { [DERIVED_LABEL]: 'true' } },
        spec: {
          type: typeOf(winner) === 'Headless' ? 'Headless' : 'ClusterSetIP',
          ports: winner.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
        },
      } as ServiceImport);
    }
    if (sourceImports.has(k) || (deriveFrom && input.deriveServiceImports)) {
      const clusters = included.sort();
      importStatus.set(k, { clusters: clusters.map((cluster) => ({ cluster })), conditions: [clusters.length ? importReady(clusters) : importPending(namespace, name)] });
    }
  }
  for (const [k] of sourceImports) {
    if (importStatus.has(k)) continue;
    const [namespace, name] = splitKey(k);
    importStatus.set(k, { clusters: [], conditions: [importPending(namespace, name)] });
  }
  return { slices, derivedImports, exports, importStatus };
}

/** The MCS EndpointSlice of one cluster's export. */
function sliceOf(r: EndpointReport): EndpointSlice {
  const v6 = r.endpoints.length > 0 && r.endpoints.every((e) => e.address.includes(':'));
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(r.service, r.cluster),
      namespace: r.namespace,
      generation: 1,
      labels: { [MCS_SERVICE_NAME_LABEL]: r.service, [MCS_SOURCE_CLUSTER_LABEL]: r.cluster, [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    addressType: v6 ? 'IPv6' : 'IPv4',
    // The endpoints listen on the target port (the Service's port when the report has none).
    ports: r.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.targetPort ?? p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
    endpoints: r.endpoints.map((e) => ({ addresses: [e.address], conditions: { ready: e.ready && e.healthy }, ...(e.zone ? { zone: e.zone } : {}) })),
  } as EndpointSlice;
}

/** A DNS-1123 subdomain name for the slice of `service` from `cluster`. */
export function sliceName(service: string, cluster: string): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${clean(service)}-${clean(cluster)}`.slice(0, 253).replace(/-+$/, '') || 'slice';
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}
