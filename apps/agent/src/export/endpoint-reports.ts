/**
 * The endpoint reports of one cluster (pure): one per exported Service, built from the cluster's
 * ServiceExports, Services and EndpointSlices, as the MCS API (KEP-1645) describes an export —
 * the Service's ports and type, its endpoints with their readiness, and when it was exported.
 */
import type { EndpointReport } from '@portway/bus';
import type { EndpointSliceShape, ExportObject, ServiceShape } from './export-reader.js';

/** The label of an EndpointSlice that names its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The agent's own health view of endpoints (active checks, outlier detection), when it has one. */
export interface EndpointHealthView {
  /** false: the agent sees the endpoint unhealthy; undefined: it has no opinion (readiness decides). */
  healthy(address: string, port: number): boolean | undefined;
}

/** A report without its time of sending (`at`), so equal content compares equal. */
export type ReportContent = Omit<EndpointReport, 'at'>;

/** A ServiceExport the agent could not publish, and why (for its log and status). */
export interface ExportProblem {
  namespace: string;
  name: string;
  reason: 'ServiceNotFound' | 'NoPorts';
  message: string;
}

export interface ClusterExports {
  /** Reports by "namespace/service". */
  reports: Map<string, ReportContent>;
  problems: ExportProblem[];
}

/** Builds the reports of `cluster` from its objects. */
export function buildEndpointReports(cluster: string, objects: readonly ExportObject[], health?: EndpointHealthView): ClusterExports {
  const services = new Map<string, ExportObject & ServiceShape>();
  const slices = new Map<string, (ExportObject & EndpointSliceShape)[]>();
  const exports: ExportObject[] = [];
  for (const o of objects) {
    const ns = o.metadata.namespace ?? 'default';
    if (o.kind === 'ServiceExport') exports.push(o);
    else if (o.kind === 'Service') services.set(`${ns}/${o.metadata.name}`, o as ExportObject & ServiceShape);
    else if (o.kind === 'EndpointSlice') {
      const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc) continue;
      const k = `${ns}/${svc}`;
      const list = slices.get(k) ?? [];
      list.push(o as ExportObject & EndpointSliceShape);
      slices.set(k, list);
    }
  }
  const reports = new Map<string, ReportContent>();
  const problems: ExportProblem[] = [];
  for (const exp of exports) {
    const namespace = exp.metadata.namespace ?? 'default';
    const name = exp.metadata.name;
    const k = `${namespace}/${name}`;
    const svc = services.get(k);
    if (!svc) {
      problems.push({ namespace, name, reason: 'ServiceNotFound', message: `ServiceExport ${k}: Service ${k} does not exist` });
      continue;
    }
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      problems.push({ namespace, name, reason: 'NoPorts', message: `ServiceExport ${k}: Service ${k} has no ports` });
      continue;
    }
    const svcSlices = slices.get(k) ?? [];
    const ports: ReportContent['ports'] = svcPorts.map((p) => {
      const protocol = p.protocol ?? 'TCP';
      const target = svcSlices
        .flatMap((s) => s.ports ?? [])
        .find((sp) => (sp.name ?? '') === (p.name ?? '') && (sp.protocol ?? 'TCP') === protocol && sp.port !== undefined);
      const targetPort = target?.port ?? (typeof p.targetPort === 'number' ? p.targetPort : undefined);
      return {
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol,
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        ...(targetPort !== undefined ? { targetPort } : {}),
      };
    });
    const firstTarget = ports.find((p) => p.targetPort !== undefined)?.targetPort;
    const byAddress = new Map<string, ReportContent['endpoints'][number]>();
    for (const slice of svcSlices) {
      for (const ep of slice.endpoints ?? []) {
        // Terminating endpoints are on their way out: not exported.
        if (ep.conditions?.terminating === true) continue;
        const ready = ep.conditions?.ready !== false;
        for (const address of ep.addresses ?? []) {
          if (byAddress.has(address)) continue;
          const seen = firstTarget !== undefined ? health?.healthy(address, firstTarget) : undefined;
          byAddress.set(address, { address, ready, healthy: ready && seen !== false, ...(ep.zone ? { zone: ep.zone } : {}) });
        }
      }
    }
    const endpoints = [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    reports.set(k, {
      cluster,
      namespace,
      service: name,
      ports,
      endpoints,
      exportedAt: exp.metadata.creationTimestamp ?? '1970-01-01T00:00:00Z',
      type: svc.spec?.clusterIP === 'None' ? 'Headless' : 'ClusterSetIP',
    });
  }
  return { reports, problems };
}
