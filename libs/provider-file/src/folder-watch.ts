import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/**
 * One non-recursive `fs.watch` per folder of the tree. Node 20's `recursive: true` on Linux
 * watches each file's inode and goes silent for a file replaced by a rename (how most editors and
 * `kubectl`-style tools save), so Portway watches folders, whose events do cover renames; the set
 * of watched folders follows each listing.
 */
export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  /**
   * @param dir the root folder
   * @param onEvent called with the changed entry's path relative to `dir` (`/`-separated), or
   *   `undefined` when a watch failed (its folder was removed): either way the folder must be listed again.
   */
  constructor(
    private readonly dir: string,
    private readonly onEvent: (relPath: string | undefined) => void,
  ) {}

  /**
   * Watches exactly the given folders (relative paths, `''` for the root). Returns true if a
   * watch was opened, in which case the folder should be listed once more: something may have
   * been written there before its watch started.
   */
  sync(dirs: Iterable<string>): boolean {
    if (this.closed) return false;
    const wanted = new Set(dirs);
    for (const [rel, w] of this.watchers) {
      if (!wanted.has(rel)) {
        w.close();
        this.watchers.delete(rel);
      }
    }
    let opened = false;
    for (const rel of wanted) if (!this.watchers.has(rel)) opened = this.open(rel) || opened;
    return opened;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private open(rel: string): boolean {
    let w: FSWatcher;
    try {
      w = watch(rel ? join(this.dir, rel) : this.dir, (_event, name) => {
        if (this.closed) return;
        const entry = name === null ? undefined : name.toString();
        this.onEvent(entry === undefined ? rel || undefined : rel ? `${rel}/${entry}` : entry);
      });
    } catch {
      return false; // the folder is already gone; the next listing will not have it
    }
    w.on('error', () => {
      w.close();
      if (this.watchers.get(rel) === w) this.watchers.delete(rel);
      if (!this.closed) this.onEvent(undefined);
    });
    this.watchers.set(rel, w);
    return true;
  }
}
