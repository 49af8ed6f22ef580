import { isDeepStrictEqual } from 'node:util';
import type { AnyObject, ObjectMeta } from '@portway/api';
import { identityOf } from './object-identity.js';

/** The metadata fields an API server owns; values given in a file are replaced. */
const SERVER_FIELDS = ['uid', 'generation', 'resourceVersion', 'managedFields', 'selfLink'] as const;

interface Entry {
  /** The object as the source handed it over last time (files keep unchanged objects as they are). */
  raw: AnyObject;
  /** The object as the file gave it, without status and server-owned metadata. */
  input: AnyObject;
  /** The object as admitted (what the source reports). */
  output: AnyObject;
  uid: string;
  firstSeen: string;
  generation: number;
  /** The `admit` call that last saw the object. */
  seen: number;
}

/**
 * Fills in what an API server would, across successive versions of the folder:
 * - `metadata.uid`: new when an object first appears (again after delete + create), then stable;
 * - `metadata.creationTimestamp`: the file's value if it gives one, else when the object was first
 *   seen (RFC 3339, whole seconds), stable across edits;
 * - `metadata.generation`: 1 on create, +1 only when `spec` changes (deep comparison);
 * - `metadata.resourceVersion`: a counter, bumped on every change of the object.
 * `status` in the files is dropped: status is Portway's output. An unchanged object is returned
 * as the same object as before.
 */
export class Admission {
  private readonly entries = new Map<string, Entry>();
  private counter = 0;
  private round = 0;

  constructor(
    private readonly now: () => Date,
    private readonly newUid: () => string,
  ) {}

  /**
   * Admits the folder's current objects (identities are unique; `ids[i]`, when given, is
   * `identityOf(objects[i])`); objects missing from `objects` are forgotten. An object handed over
   * as the same object as last time costs one lookup.
   */
  admit(objects: readonly AnyObject[], ids?: readonly string[]): AnyObject[] {
    const round = ++this.round;
    const out: AnyObject[] = [];
    for (let i = 0; i < objects.length; i++) {
      const raw = objects[i]!;
      const id = ids?.[i] ?? identityOf(raw);
      const prev = this.entries.get(id);
      // An object the file model kept as it was (its file was not read again): nothing to compare.
      if (prev && prev.raw === raw) {
        prev.seen = round;
        out.push(prev.output);
        continue;
      }
      const input = stripServerFields(raw);
      if (prev && isDeepStrictEqual(prev.input, input)) {
        prev.raw = raw;
        prev.seen = round;
        out.push(prev.output);
        continue;
      }
      const uid = prev?.uid ?? this.newUid();
      const firstSeen = prev?.firstSeen ?? rfc3339Seconds(this.now());
      const generation = !prev ? 1 : isDeepStrictEqual(specOf(prev.input), specOf(input)) ? prev.generation : prev.generation + 1;
      const metadata: ObjectMeta = {
        ...input.metadata,
        uid,
        creationTimestamp: input.metadata.creationTimestamp ?? firstSeen,
        generation,
        resourceVersion: String(++this.counter),
      };
      const output = { ...input, metadata } as AnyObject;
      this.entries.set(id, { raw, input, output, uid, firstSeen, generation, seen: round });
      out.push(output);
    }
    if (this.entries.size > out.length) for (const [id, e] of this.entries) if (e.seen !== round) this.entries.delete(id);
    return out;
  }
}

function stripServerFields(o: AnyObject): AnyObject {
  const { status: _status, ...rest } = o as AnyObject & { status?: unknown };
  const metadata: ObjectMeta & Record<string, unknown> = { ...o.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  return { ...rest, metadata } as AnyObject;
}

function specOf(o: AnyObject): unknown {
  return (o as { spec?: unknown }).spec;
}

/** `2024-05-01T12:00:00Z`: RFC 3339 with whole seconds, as Kubernetes writes timestamps. */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
