import type { EndpointSlice, KindMap, KindName, Snapshot } from '@portway/api';

/** Lookups by namespace/name over a snapshot, built once per graph build. */
export class Resources {
  private readonly maps = new Map<KindName, Map<string, unknown>>();

  constructor(readonly snapshot: Snapshot) {}

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    let m = this.maps.get(kind);
    if (!m) {
      m = new Map();
      for (const o of this.snapshot[kind]) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      this.maps.set(kind, m);
    }
    return m.get(`${namespace ?? ''}/${name}`) as KindMap[K] | undefined;
  }

  private slicesByService: Map<string, EndpointSlice[]> | undefined;

  /** EndpointSlices of a Service (label `kubernetes.io/service-name`), indexed once per build. */
  endpointSlicesOf(namespace: string, service: string): readonly EndpointSlice[] {
    if (!this.slicesByService) {
      this.slicesByService = new Map();
      for (const slice of this.snapshot.EndpointSlice) {
        const svc = slice.metadata.labels?.['kubernetes.io/service-name'];
        if (svc === undefined) continue;
        const k = `${slice.metadata.namespace ?? ''}/${svc}`;
        const list = this.slicesByService.get(k);
        if (list) list.push(slice);
        else this.slicesByService.set(k, [slice]);
      }
    }
    return this.slicesByService.get(`${namespace}/${service}`) ?? [];
  }

  private slicesByImport: Map<string, EndpointSlice[]> | undefined;

  /** EndpointSlices backing a ServiceImport (label `multicluster.kubernetes.io/service-name`), indexed once per build. */
  importSlicesOf(namespace: string, serviceImport: string): readonly EndpointSlice[] {
    if (!this.slicesByImport) {
      this.slicesByImport = new Map();
      for (const slice of this.snapshot.EndpointSlice) {
        const svc = slice.metadata.labels?.['multicluster.kubernetes.io/service-name'];
        if (svc === undefined) continue;
        const k = `${slice.metadata.namespace ?? ''}/${svc}`;
        const list = this.slicesByImport.get(k);
        if (list) list.push(slice);
        else this.slicesByImport.set(k, [slice]);
      }
    }
    return this.slicesByImport.get(`${namespace}/${serviceImport}`) ?? [];
  }

  /** Labels of a namespace; Kubernetes always sets `kubernetes.io/metadata.name`. */
  namespaceLabels(namespace: string): Record<string, string> {
    const ns = this.get('Namespace', undefined, namespace);
    return { ...(ns?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
  }

  /** Decoded value of a Secret key (`data` is base64; `stringData` is honoured for files written by hand). */
  secretValue(namespace: string, name: string, key: string): string | undefined {
    const s = this.get('Secret', namespace, name);
    if (!s) return undefined;
    const b64 = s.data?.[key];
    if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
    return s.stringData?.[key];
  }
}
