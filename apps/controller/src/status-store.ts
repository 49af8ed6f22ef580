import type { AnyObject } from '@portway/api';
import { contentHash } from '@portway/ir';
import type { StatusUpdate } from '@portway/status';
import { statusKey } from '@portway/status';

/** An object as the admin API shows it: what the source holds, with Portway's status. */
export interface ObjectWithStatus {
  apiVersion: string;
  kind: string;
  metadata: AnyObject['metadata'];
  spec?: unknown;
  status?: Record<string, unknown>;
}

/**
 * The status Portway has computed for each object (in standalone mode this is where status
 * lives; a Kubernetes status writer reads the same updates). Only changed statuses count as
 * writes.
 *
 * Cost: a status prepared earlier and handed over again as the same object (the status preparer
 * reuses those of unchanged routes) costs a map lookup — its key is remembered per update object
 * and it is not hashed again — so a build after a small edit costs what changed, not the table.
 */
export class StatusStore {
  private readonly statuses = new Map<string, Record<string, unknown>>();
  /** Content hash of each status (sha256 of its canonical JSON), and the `replace` call that last saw its key. */
  private readonly entries = new Map<string, { hash: string; seen: number }>();
  /** Key of each update object seen (updates reused as they are keep theirs). */
  private readonly keys = new WeakMap<StatusUpdate, string>();
  private round = 0;
  private objects: readonly AnyObject[] = [];
  private writes = 0;
  private readonly listeners = new Set<(changed: readonly StatusUpdate[], removed: readonly string[]) => void>();

  /** Current statuses by "Kind/namespace/name" (the `previous` input of status preparation). */
  previous(): ReadonlyMap<string, unknown> {
    return this.statuses;
  }

  /**
   * Replaces the computed statuses; objects that no longer have one (deleted, or no longer
   * Portway's) lose theirs. Returns the number of statuses that changed.
   */
  replace(objects: readonly AnyObject[], updates: readonly StatusUpdate[]): number {
    this.objects = objects;
    const round = ++this.round;
    const changed: StatusUpdate[] = [];
    let seen = 0;
    for (const u of updates) {
      let k = this.keys.get(u);
      if (k === undefined) this.keys.set(u, (k = statusKey(u.kind, u.namespace, u.name)));
      const entry = this.entries.get(k);
      if (entry !== undefined && entry.seen !== round) seen++;
      // A status prepared earlier and reused as is (same object) has the same hash.
      if (entry !== undefined && this.statuses.get(k) === u.status) {
        entry.seen = round;
        continue;
      }
      // The digest of its canonical JSON, not the text itself: one short string per object kept.
      const h = contentHash(u.status);
      this.statuses.set(k, u.status);
      if (entry === undefined) {
        this.entries.set(k, { hash: h, seen: round });
        seen++;
        changed.push(u);
      } else {
        entry.seen = round;
        if (entry.hash !== h) changed.push(u);
        entry.hash = h;
      }
    }
    const removed: string[] = [];
    // Every key was seen this round unless some object lost its status.
    if (seen < this.entries.size) {
      for (const [k, e] of this.entries) {
        if (e.seen === round) continue;
        removed.push(k);
        this.entries.delete(k);
        this.statuses.delete(k);
      }
    }
    if (changed.length + removed.length > 0) {
      this.writes += changed.length;
      for (const l of this.listeners) l(changed, removed);
    }
    return changed.length + removed.length;
  }

  /** Total status changes so far (what a status writer had to write). */
  writeCount(): number {
    return this.writes;
  }

  /**
   * Calls `listener` with the statuses that changed (what a status writer must write) and the
   * keys ("Kind/namespace/name") of objects that no longer have a status from Portway.
   */
  onChange(listener: (changed: readonly StatusUpdate[], removed: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every object the source holds, with its status when Portway computed one. */
  objectsWithStatus(): ObjectWithStatus[] {
    return this.objects.map((o) => {
      const status = this.statuses.get(statusKey(o.kind, o.metadata.namespace, o.metadata.name));
      const { apiVersion, kind, metadata } = o;
      const spec = (o as { spec?: unknown }).spec;
      return { apiVersion, kind, metadata, ...(spec !== undefined ? { spec } : {}), ...(status ? { status } : {}) };
    });
  }

  statusOf(kind: string, namespace: string | undefined, name: string): Record<string, unknown> | undefined {
    return this.statuses.get(statusKey(kind, namespace, name));
  }
}
