import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { AnyObject } from '@portway/api';
import { Admission } from './admission.js';
import { applyRead, applyReadFailure, emptyContribution, nameFields, type FileContribution } from './file-contribution.js';
import { describeObject } from './object-identity.js';
import type { Decode, SourceError, SourceState } from './source-types.js';

/**
 * The folder as last read: one contribution per file, merged into one state. The same object in
 * two files: the file that already defined it keeps it (what serves is not displaced by a later
 * copy, as an API server refuses a second create); among new definitions the first file in path
 * order wins. The others get an error naming both files.
 */
export class FolderModel {
  private readonly files = new Map<string, FileContribution>();
  private readonly admission: Admission;
  private last: SourceState | undefined;
  /** Which file defined each object in the last state. */
  private owners = new Map<string, string>();
  private folderError: SourceError | undefined;
  /** The files that define each object now: one path, or several when it is defined more than once. */
  private readonly definers = new Map<string, string | string[]>();
  /** Objects defined in more than one file now. */
  private readonly duplicated = new Set<string>();
  /** Objects whose files changed since the last commit. */
  private readonly touched = new Set<string>();
  /** The paths of `files` in code-point order, once `added` is merged in (see `paths`). */
  private sorted: string[] = [];
  /** Paths of files that came since the last merge of `sorted`. */
  private added: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly decode: Decode,
    now: () => Date,
    newUid: () => string,
  ) {
    this.admission = new Admission(now, newUid);
  }

  /** The display path of a file given by its path relative to the folder. */
  displayPath(rel: string): string {
    return join(this.dir, rel);
  }

  /** Whether the file currently contributes any object. */
  hasObjects(rel: string): boolean {
    return (this.files.get(rel)?.objects.size ?? 0) > 0;
  }

  /** Applies a read of a file's text. */
  read(rel: string, text: string): void {
    this.put(rel, applyRead(this.contribution(rel), text, this.decode));
  }

  /** Records that a file could not be read; its objects are kept. */
  readFailed(rel: string, message: string): void {
    this.put(rel, applyReadFailure(this.contribution(rel), message));
  }

  /** Sets (or clears, with undefined) an error about the folder itself. */
  setFolderError(message: string | undefined): void {
    this.folderError = message === undefined ? undefined : { file: this.dir, message };
  }

  /** The file is gone: its objects and errors go with it. */
  remove(rel: string): void {
    const c = this.files.get(rel);
    if (c === undefined) return;
    for (const id of c.objects.keys()) this.undefine(id, rel);
    this.files.delete(rel);
    const at = this.added.indexOf(rel);
    if (at >= 0) this.added.splice(at, 1);
    else this.sorted.splice(sortedIndex(this.sorted, rel), 1);
  }

  /**
   * Merges every file into a state. Returns undefined when nothing changed since the last state
   * (same objects, same errors), so that a no-op batch reports nothing.
   *
   * Cost: while no object is defined twice, a merge is one pass over the files' objects (no
   * sorting, no map of every object built again); which file owns what is updated only for the
   * objects whose files changed.
   */
  commit(): SourceState | undefined {
    const paths = this.paths();
    const errors: SourceError[] = this.folderError ? [this.folderError] : [];
    const candidates: AnyObject[] = [];
    const ids: string[] = [];
    if (this.duplicated.size === 0) {
      for (const rel of paths) {
        const c = this.files.get(rel)!;
        for (const e of c.errors) errors.push(e);
        for (const [id, { object }] of c.objects) {
          candidates.push(object);
          ids.push(id);
        }
      }
      // Each object has one file: it owns it.
      for (const id of this.touched) {
        const d = this.definers.get(id);
        if (typeof d === 'string') this.owners.set(id, d);
        else this.owners.delete(id);
      }
    } else {
      this.mergeWithDuplicates(paths, errors, candidates, ids);
    }
    this.touched.clear();
    const objects = this.admission.admit(candidates, ids);
    const prev = this.last;
    if (prev && sameObjects(prev.objects, objects) && isDeepStrictEqual(prev.errors, errors)) return undefined;
    this.last = { objects, errors, version: (prev?.version ?? 0) + 1 };
    return this.last;
  }

  /** The merge when some object is defined in several files: the owner keeps it, the others are errors. */
  private mergeWithDuplicates(paths: readonly string[], errors: SourceError[], candidates: AnyObject[], ids: string[]): void {
    const definitions = new Map<string, { rel: string; object: AnyObject; file: string; index: number }[]>();
    for (const rel of paths) {
      const c = this.files.get(rel)!;
      for (const e of c.errors) errors.push(e);
      for (const [id, { object, index }] of c.objects) {
        const defs = definitions.get(id);
        if (defs === undefined) definitions.set(id, [{ rel, object, file: c.file, index }]);
        else defs.push({ rel, object, file: c.file, index });
      }
    }
    const owners = new Map<string, string>();
    for (const [id, defs] of definitions) {
      const winner = defs.length === 1 ? defs[0]! : (defs.find((d) => d.rel === this.owners.get(id)) ?? defs[0]!);
      owners.set(id, winner.rel);
      candidates.push(winner.object);
      ids.push(id);
      for (const d of defs) {
        if (d === winner) continue;
        errors.push({
          file: d.file,
          index: d.index,
          ...nameFields(d.object),
          message: `${describeObject(d.object)} is also defined in ${winner.file} (document ${winner.index + 1}); the definition in ${winner.file} is used and this one is ignored`,
        });
      }
    }
    this.owners = owners;
  }

  /** The paths of the files in code-point order: a few new ones are inserted, many are sorted in at once. */
  private paths(): readonly string[] {
    if (this.added.length > 0) {
      if (this.added.length * 32 < this.sorted.length) for (const rel of this.added) this.sorted.splice(sortedIndex(this.sorted, rel), 0, rel);
      else this.sorted = [...this.sorted, ...this.added].sort(comparePaths);
      this.added = [];
    }
    return this.sorted;
  }

  /** Records a file's new contribution, and which objects it now defines or no longer defines. */
  private put(rel: string, next: FileContribution): void {
    const prev = this.files.get(rel);
    if (prev === next) return;
    if (prev === undefined) this.added.push(rel);
    if (prev !== undefined) for (const id of prev.objects.keys()) if (!next.objects.has(id)) this.undefine(id, rel);
    for (const id of next.objects.keys()) if (prev === undefined || !prev.objects.has(id)) this.define(id, rel);
    this.files.set(rel, next);
  }

  private define(id: string, rel: string): void {
    this.touched.add(id);
    const d = this.definers.get(id);
    if (d === undefined) {
      this.definers.set(id, rel);
      return;
    }
    this.definers.set(id, typeof d === 'string' ? [d, rel] : [...d, rel]);
    this.duplicated.add(id);
  }

  private undefine(id: string, rel: string): void {
    this.touched.add(id);
    const d = this.definers.get(id);
    if (d === undefined) return;
    if (typeof d === 'string') {
      if (d === rel) this.definers.delete(id);
      return;
    }
    const rest = d.filter((r) => r !== rel);
    if (rest.length === 1) {
      this.definers.set(id, rest[0]!);
      this.duplicated.delete(id);
    } else {
      this.definers.set(id, rest);
    }
  }

  private contribution(rel: string): FileContribution {
    return this.files.get(rel) ?? emptyContribution(this.displayPath(rel));
  }
}

function sameObjects(a: readonly AnyObject[], b: readonly AnyObject[]): boolean {
  return a.length === b.length && a.every((o, i) => o === b[i]);
}

/** Where `rel` is, or would be inserted, in `paths` (code-point order, independent of locale). */
function sortedIndex(paths: readonly string[], rel: string): number {
  let lo = 0;
  let hi = paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (paths[mid]! < rel) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Code-point order of `/`-separated paths, independent of locale (the order of `sortedIndex`). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
