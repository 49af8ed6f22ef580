import type { EndpointSlice, KindMap, KindName, Snapshot } from '@portway/api';
import { MCS_SERVICE_NAME_LABEL } from './service-imports.js';

/** One lookup a build made, as `Resources.tracker` reports it (what a reused route node depends on). */
export type ResourceRead =
  | { readonly kind: KindName; readonly key: string; readonly value: unknown }
  | { readonly kind: 'ServiceSlices' | 'ImportSlices'; readonly key: string; readonly value: readonly EndpointSlice[] };

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * Lookups by namespace/name over a snapshot, built once per graph build. Given the `Resources`
 * of the previous build, the index of a kind whose objects are all the same (identical objects,
 * same order) is taken over rather than built again.
 */
export class Resources {
  private readonly maps = new Map<KindName, Map<string, unknown>>();
  private slicesByService: Map<string, EndpointSlice[]> | undefined;
  private slicesByImport: Map<string, EndpointSlice[]> | undefined;
  /** Told of every lookup while set (the graph builder records what a route reads). */
  tracker: ((read: ResourceRead) => void) | undefined;

  constructor(
    readonly snapshot: Snapshot,
    private previous?: Resources,
  ) {}

  /** Stops looking at the previous build's indexes (call once the build is done, so builds do not chain up in memory). */
  detach(): void {
    this.previous = undefined;
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    return this.getByKey(kind, `${namespace ?? ''}/${name}`);
  }

  /** `get` by "namespace/name" ("" namespace for cluster-scoped kinds). */
  getByKey<K extends KindName>(kind: K, key: string): KindMap[K] | undefined {
    let m = this.maps.get(kind);
    if (!m) {
      m = this.previous?.reusable(kind, this.snapshot[kind]);
      if (!m) {
        m = new Map();
        for (const o of this.snapshot[kind]) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      }
      this.maps.set(kind, m);
    }
    const value = m.get(key) as KindMap[K] | undefined;
    this.tracker?.({ kind, key, value });
    return value;
  }

  /** EndpointSlices of a Service (label `kubernetes.io/service-name`), indexed once per build. */
  endpointSlicesOf(namespace: string, service: string): readonly EndpointSlice[] {
    return this.slicesByKey('ServiceSlices', `${namespace}/${service}`);
  }

  /** EndpointSlices backing a ServiceImport (label `multicluster.kubernetes.io/service-name`), indexed once per build. */
  importSlicesOf(namespace: string, serviceImport: string): readonly EndpointSlice[] {
    return this.slicesByKey('ImportSlices', `${namespace}/${serviceImport}`);
  }

  /** EndpointSlices by the "namespace/name" of their Service or ServiceImport. */
  slicesByKey(kind: 'ServiceSlices' | 'ImportSlices', key: string): readonly EndpointSlice[] {
    const index = kind === 'ServiceSlices' ? (this.slicesByService ??= this.sliceIndex(SERVICE_NAME_LABEL)) : (this.slicesByImport ??= this.sliceIndex(MCS_SERVICE_NAME_LABEL));
    const value = index.get(key) ?? [];
    this.tracker?.({ kind, key, value });
    return value;
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

  private sliceIndex(label: string): Map<string, EndpointSlice[]> {
    const previous = label === SERVICE_NAME_LABEL ? this.previous?.slicesByService : this.previous?.slicesByImport;
    if (previous && sameObjects(this.previous!.snapshot.EndpointSlice, this.snapshot.EndpointSlice)) return previous;
    const index = new Map<string, EndpointSlice[]>();
    for (const slice of this.snapshot.EndpointSlice) {
      const svc = slice.metadata.labels?.[label];
      if (svc === undefined) continue;
      const k = `${slice.metadata.namespace ?? ''}/${svc}`;
      const list = index.get(k);
      if (list) list.push(slice);
      else index.set(k, [slice]);
    }
    return index;
  }

  /** This build's index of `kind`, when `objects` are the very objects it was built from. */
  private reusable(kind: KindName, objects: readonly unknown[]): Map<string, unknown> | undefined {
    const m = this.maps.get(kind);
    return m && sameObjects(this.snapshot[kind], objects) ? m : undefined;
  }
}

/** The same objects in the same order (identity: providers keep unchanged objects as they are). */
export function sameObjects(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
