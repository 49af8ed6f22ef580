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
 * reuses those of unchanged routes) costs one lookup by the update object — no key is built and
 * nothing is hashed again —, so a build after a small edit costs what changed, not the table.
 */
export class StatusStore {
  private readonly statuses = new Map<string, Record<string, unknown>>();
  /** What is known of each key's status: its content hash and the `replace` call that last saw it. */
  private readonly entries = new Map<string, Entry>();
  /** The entry each update object was stored as (updates reused as they are find theirs in one lookup). */
  private readonly stored = new WeakMap<StatusUpdate, Entry>();
  private round = 0;
  /** The parts of the last `replace` call (see `replace`). */
  private lastParts: ReadonlySet<readonly StatusUpdate[]> = new Set();
  private objects: readonly AnyObject[] = [];
  private writes = 0;
  private readonly listeners = new Set<(changed: readonly StatusUpdate[], removed: readonly string[]) => void>();

  /** Current statuses by "Kind/namespace/name" (the `previous` input of status preparation). */
  previous(): ReadonlyMap<string, unknown> {
    return this.statuses;
  }

  /**
   * Replaces the computed statuses, given in parts (no object in two parts); objects that no
   * longer have one (deleted, or no longer Portway's) lose theirs. Returns the number of statuses
   * that changed. A part handed over as the same array as in the last call (the status preparer's
   * route statuses after an agent's ack) is known to be stored as it is: it costs nothing.
   */
  replace(objects: readonly AnyObject[], ...parts: (readonly StatusUpdate[])[]): number {
    this.objects = objects;
    const round = ++this.round;
    const changed: StatusUpdate[] = [];
    const reused = new Set<readonly StatusUpdate[]>();
    let seen = 0;
    for (const part of parts) {
      if (this.lastParts.has(part) && !reused.has(part)) {
        reused.add(part);
        seen += part.length;
      } else {
        seen += this.store(part, round, changed);
      }
    }
    this.lastParts = new Set(parts);
    const removed: string[] = [];
    // Every key was seen this round unless some object lost its status.
    if (seen < this.entries.size) {
      for (const [k, e] of this.entries) {
        if (e.seen === round || reused.has(e.part)) continue;
        removed.push(k);
        e.live = false;
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

  /** Stores the updates of one part; returns how many keys it saw for the first time this round. */
  private store(part: readonly StatusUpdate[], round: number, changed: StatusUpdate[]): number {
    let seen = 0;
    for (const u of part) {
      // A status prepared earlier and handed over again as the same object: unchanged, one lookup.
      const known = this.stored.get(u);
      if (known !== undefined && known.live && known.status === u.status) {
        if (known.seen !== round) seen++;
        known.seen = round;
        known.part = part;
        continue;
      }
      const k = statusKey(u.kind, u.namespace, u.name);
      let entry = this.entries.get(k);
      if (entry !== undefined && entry.seen !== round) seen++;
      if (entry !== undefined && entry.status === u.status) {
        entry.seen = round;
        entry.part = part;
        this.stored.set(u, entry);
        continue;
      }
      // The digest of its canonical JSON, not the text itself: one short string per object kept.
      const h = contentHash(u.status);
      this.statuses.set(k, u.status);
      if (entry === undefined) {
        this.entries.set(k, (entry = { key: k, hash: h, seen: round, part, status: u.status, live: true }));
        seen++;
        changed.push(u);
      } else {
        entry.seen = round;
        entry.part = part;
        entry.status = u.status;
        if (entry.hash !== h) changed.push(u);
        entry.hash = h;
      }
      this.stored.set(u, entry);
    }
    return seen;
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

/** What the store knows of one key's status. */
interface Entry {
  readonly key: string;
  /** sha256 of the status's canonical JSON. */
  hash: string;
  /** The `replace` call that last saw the key, and the part it came in. */
  seen: number;
  part: readonly StatusUpdate[];
  /** The status object stored (the same object as `statuses` holds). */
  status: Record<string, unknown>;
  /** False once the key lost its status (an update object remembered for it no longer counts). */
  live: boolean;
}
