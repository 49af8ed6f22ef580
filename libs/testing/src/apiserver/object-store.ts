/**
 * The double's storage, etcd-like: one global resourceVersion counter bumped by every write, objects
 * by resource and `namespace/name`, and a bounded window of past events that watches replay from.
 * A watch or continue token from before the window is expired (410 Gone), as after an etcd compaction.
 * Stored objects are frozen plain JSON: a write replaces an object, it never mutates one.
 */

/** A stored object (plain JSON with `metadata`). */
export type StoredObject = Readonly<Record<string, any>> & { readonly metadata: Readonly<Record<string, any>> };

/** One change, as watches see it. */
export interface StoreEvent {
  rv: number;
  /** The resource's id (`group/plural`). */
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: StoredObject;
  /** The object before a MODIFIED or DELETED change (watch filters need it). */
  previous?: StoredObject;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export const objectKey = (namespace: string | undefined, name: string): string => (namespace ? `${namespace}/${name}` : name);

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class ObjectStore {
  private rv = 1;
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private window: StoreEvent[] = [];
  /** Watches and continue tokens from before this resourceVersion are expired. */
  private compactedRv = 0;
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(private readonly windowSize: number) {}

  /** The latest resourceVersion (what a list reports). */
  currentRv(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may start from. */
  oldestRv(): number {
    return this.compactedRv;
  }

  /** Reserves the resourceVersion of the next write. */
  nextRv(): number {
    return ++this.rv;
  }

  get(resource: string, key: string): StoredObject | undefined {
    return this.objects.get(resource)?.get(key);
  }

  /** Objects of a resource (in one namespace when given), sorted by key as the API server lists them. */
  list(resource: string, namespace?: string): StoredObject[] {
    const all = [...(this.objects.get(resource)?.entries() ?? [])];
    const picked = namespace === undefined ? all : all.filter(([, o]) => o.metadata.namespace === namespace);
    return picked.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  /** Stores `object` (whose metadata.resourceVersion is `rv`) and records the event. */
  put(resource: string, key: string, object: Record<string, any>, rv: number): StoredObject {
    let m = this.objects.get(resource);
    if (!m) this.objects.set(resource, (m = new Map()));
    const previous = m.get(key);
    const frozen = deepFreeze(object) as StoredObject;
    m.set(key, frozen);
    this.record({ rv, resource, type: previous ? 'MODIFIED' : 'ADDED', object: frozen, ...(previous ? { previous } : {}) });
    return frozen;
  }

  /** Removes an object; the DELETED event carries it at resourceVersion `rv`. */
  remove(resource: string, key: string, rv: number): StoredObject | undefined {
    const m = this.objects.get(resource);
    const previous = m?.get(key);
    if (!m || !previous) return undefined;
    m.delete(key);
    const object = deepFreeze({ ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } }) as StoredObject;
    this.record({ rv, resource, type: 'DELETED', object, previous });
    return object;
  }

  /** Forgets every object of a resource without events (a CRD was deleted and its objects went with it). */
  dropResource(resource: string): void {
    this.objects.delete(resource);
  }

  /** Events of a resource after `rv`, or `expired` when the window no longer reaches back to it. */
  eventsSince(resource: string, rv: number): StoreEvent[] | 'expired' {
    if (rv < this.compactedRv) return 'expired';
    return this.window.filter((e) => e.rv > rv && e.resource === resource);
  }

  /** Expires every resourceVersion up to now (an etcd compaction): older watches and continue tokens get 410. */
  compact(): void {
    this.window = [];
    this.compactedRv = this.rv;
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(e: StoreEvent): void {
    this.window.push(e);
    if (this.window.length > this.windowSize) {
      const dropped = this.window.splice(0, this.window.length - this.windowSize);
      this.compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const l of this.listeners) l(e);
  }
}
