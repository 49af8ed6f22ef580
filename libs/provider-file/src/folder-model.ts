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
    this.files.set(rel, applyRead(this.contribution(rel), text, this.decode));
  }

  /** Records that a file could not be read; its objects are kept. */
  readFailed(rel: string, message: string): void {
    this.files.set(rel, applyReadFailure(this.contribution(rel), message));
  }

  /** Sets (or clears, with undefined) an error about the folder itself. */
  setFolderError(message: string | undefined): void {
    this.folderError = message === undefined ? undefined : { file: this.dir, message };
  }

  /** The file is gone: its objects and errors go with it. */
  remove(rel: string): void {
    this.files.delete(rel);
  }

  /**
   * Merges every file into a state. Returns undefined when nothing changed since the last state
   * (same objects, same errors), so that a no-op batch reports nothing.
   */
  commit(): SourceState | undefined {
    const paths = [...this.files.keys()].sort(comparePaths);
    const definitions = new Map<string, { rel: string; object: AnyObject; file: string; index: number }[]>();
    const errors: SourceError[] = this.folderError ? [this.folderError] : [];
    for (const rel of paths) {
      const c = this.files.get(rel)!;
      for (const e of c.errors) errors.push(e);
      for (const [id, { object, index }] of c.objects) {
        const defs = definitions.get(id);
        if (defs === undefined) definitions.set(id, [{ rel, object, file: c.file, index }]);
        else defs.push({ rel, object, file: c.file, index });
      }
    }
    const candidates: AnyObject[] = [];
    const owners = new Map<string, string>();
    for (const [id, defs] of definitions) {
      const winner = defs.length === 1 ? defs[0]! : (defs.find((d) => d.rel === this.owners.get(id)) ?? defs[0]!);
      owners.set(id, winner.rel);
      candidates.push(winner.object);
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
    const objects = this.admission.admit(candidates);
    const prev = this.last;
    if (prev && sameObjects(prev.objects, objects) && isDeepStrictEqual(prev.errors, errors)) return undefined;
    this.last = { objects, errors, version: (prev?.version ?? 0) + 1 };
    return this.last;
  }

  private contribution(rel: string): FileContribution {
    return this.files.get(rel) ?? emptyContribution(this.displayPath(rel));
  }
}

function sameObjects(a: readonly AnyObject[], b: readonly AnyObject[]): boolean {
  return a.length === b.length && a.every((o, i) => o === b[i]);
}

/** Code-point order of `/`-separated paths, independent of locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
