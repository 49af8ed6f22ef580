import type { AnyObject } from '@portway/api';
import { canonicalJson } from '@portway/ir';
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
 */
export class StatusStore {
  private statuses = new Map<string, Record<string, unknown>>();
  private hashes = new Map<string, string>();
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
    const next = new Map<string, Record<string, unknown>>();
    const hashes = new Map<string, string>();
    const changed: StatusUpdate[] = [];
    for (const u of updates) {
      const k = statusKey(u.kind, u.namespace, u.name);
      // A status prepared earlier and reused as is (same object) has the same hash.
      const h = this.statuses.get(k) === u.status ? this.hashes.get(k)! : canonicalJson(u.status);
      next.set(k, u.status);
      hashes.set(k, h);
      if (this.hashes.get(k) !== h) changed.push(u);
    }
    const removed = [...this.hashes.keys()].filter((k) => !hashes.has(k));
    this.statuses = next;
    this.hashes = hashes;
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
