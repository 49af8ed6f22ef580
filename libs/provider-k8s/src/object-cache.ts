/**
 * The source's cache: per kind, per `namespace/name`, the object's stub and, when Portway processes
 * it, the admitted object (or why admission refused it). Admission runs once per resourceVersion.
 */
import { admit, formatFieldError, type AnyObject } from '@portway/api';
import { jsonEqual } from './json-equal.js';
import { resourcePath } from './kube-client.js';
import type { RawObject } from './reflector.js';
import { keepsFull, stubOf, type RetentionPolicy, type Stub } from './retention.js';
import type { SourceError } from './source-types.js';
import type { ServedKind } from './watched-kinds.js';

/** One cached object. */
export interface CacheEntry {
  stub: Stub;
  /** The admitted object, when kept in full and valid. */
  object?: AnyObject;
  /** Why admission refused the object, when kept in full and invalid. */
  errors?: SourceError[];
}

/** True when the entry holds the object in full (valid or not). */
export const isFull = (e: CacheEntry): boolean => e.object !== undefined || e.errors !== undefined;

/** True when two admitted objects differ at most in `metadata.resourceVersion`. */
function sameButVersion(a: AnyObject, b: AnyObject): boolean {
  const { resourceVersion: _a, ...ma } = a.metadata;
  const { resourceVersion: _b, ...mb } = b.metadata;
  return jsonEqual({ ...a, metadata: ma }, { ...b, metadata: mb });
}

const keyOf = (o: { metadata: { namespace?: string; name: string } }) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

export class ObjectCache {
  private readonly entries = new Map<string, Map<string, CacheEntry>>();
  /** Bumped on every change of what the state would hold. */
  changes = 0;

  constructor(private readonly kinds: readonly ServedKind[]) {
    for (const k of kinds) this.entries.set(k.kind, new Map());
  }

  private admitted(kind: ServedKind, o: RawObject): CacheEntry {
    const stub = stubOf(o);
    const r = admit(o, { fieldValidation: 'Ignore' });
    if (r.ok) return { stub, object: r.object };
    const file = resourcePath(kind, o.metadata.namespace, o.metadata.name);
    return {
      stub,
      errors: r.errors.map((e) => ({
        file,
        kind: o.kind,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        name: o.metadata.name,
        ...(e.path ? { path: e.path } : {}),
        message: `${o.kind} ${keyOf(o)} is not valid for Portway: ${formatFieldError(e)}`,
      })),
    };
  }

  /**
   * Stores an object. With a policy, it is kept in full only when the policy says so; without one
   * (before the first state), everything is kept in full.
   */
  put(kind: ServedKind, o: RawObject, policy: RetentionPolicy | undefined): void {
    const m = this.entries.get(kind.kind)!;
    const key = keyOf(o);
    const prev = m.get(key);
    const rv = o.metadata.resourceVersion;
    const full = !policy || keepsFull(stubOf(o), policy);
    if (prev && rv !== undefined && prev.stub.resourceVersion === rv && isFull(prev) === full) return;
    if (!full) {
      m.set(key, { stub: stubOf(o) });
      if (prev && isFull(prev)) this.changes++;
      return;
    }
    const next = this.admitted(kind, o);
    // A write to status only (Portway's own status writes, above all) changes nothing Portway reads:
    // the admitted object is the same but for its resourceVersion. Keep the previous object, so the
    // state does not change and the controller does not rebuild for it.
    if (prev?.object && next.object && sameButVersion(prev.object, next.object)) {
      m.set(key, { ...prev, stub: next.stub });
      return;
    }
    m.set(key, next);
    this.changes++;
  }

  /** Forgets an object. */
  remove(kind: ServedKind, o: { metadata: { namespace?: string; name: string } }): void {
    const prev = this.entries.get(kind.kind)!.get(keyOf(o));
    if (!prev) return;
    this.entries.get(kind.kind)!.delete(keyOf(o));
    if (isFull(prev)) this.changes++;
  }

  /** Replaces the objects of a kind (in one namespace when given) with a fresh list. */
  replace(kind: ServedKind, namespace: string | undefined, items: readonly RawObject[], policy: RetentionPolicy | undefined): void {
    const m = this.entries.get(kind.kind)!;
    const keep = new Set(items.map(keyOf));
    for (const [key, e] of m) {
      if ((namespace === undefined || e.stub.namespace === namespace) && !keep.has(key)) {
        m.delete(key);
        if (isFull(e)) this.changes++;
      }
    }
    for (const o of items) this.put(kind, o, policy);
  }

  /** Drops the full object of an entry the policy no longer keeps. */
  demote(kind: string, key: string): void {
    const e = this.entries.get(kind)?.get(key);
    if (!e || !isFull(e)) return;
    this.entries.get(kind)!.set(key, { stub: e.stub });
    this.changes++;
  }

  /** Every entry, by kind in watch order, then by key. */
  *all(): Generator<[ServedKind, string, CacheEntry]> {
    for (const k of this.kinds) for (const [key, e] of this.entries.get(k.kind)!) yield [k, key, e];
  }

  /** Every entry in a stable order: kinds in watch order, then by `namespace/name`. */
  *ordered(): Generator<CacheEntry> {
    for (const k of this.kinds) {
      const m = this.entries.get(k.kind)!;
      for (const key of [...m.keys()].sort()) yield m.get(key)!;
    }
  }

  *stubs(): Generator<Stub> {
    for (const [, , e] of this.all()) yield e.stub;
  }

  *fullObjects(): Generator<AnyObject> {
    for (const [, , e] of this.all()) if (e.object) yield e.object;
  }

  /** Number of entries held in full and as stubs (for memory reports). */
  counts(): { full: number; stubs: number } {
    let full = 0;
    let stubs = 0;
    for (const [, , e] of this.all()) (isFull(e) ? full++ : stubs++);
    return { full, stubs };
  }
}
