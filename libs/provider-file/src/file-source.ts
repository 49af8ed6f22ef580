import { lstat, readFile, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { messageOf } from './file-contribution.js';
import { comparePaths, FolderModel } from './folder-model.js';
import { FolderWatch } from './folder-watch.js';
import { assertFolder } from './load-folder.js';
import { scanFolder, signatureOf, type FileSignature, type FolderListing } from './scan-folder.js';
import type { FileSourceOptions, ResourceSource, SourceState } from './source-types.js';
import { isManifestPath } from './watched-files.js';

/**
 * A {@link ResourceSource} over a folder of manifests, kept up to date with `fs.watch` on every
 * folder of the tree (see {@link FolderWatch}). Start rejects with `FolderUnreadableError` if the
 * folder cannot be read.
 */
export function createFileSource(options: FileSourceOptions): ResourceSource {
  return new WatchedFolderSource(options);
}

type Phase = 'new' | 'starting' | 'running' | 'stopped';

/** Files read at once in a batch (the initial load reads them all). */
const READ_CONCURRENCY = 16;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * How a batch works (the order matters):
 * 1. file events only mark paths dirty and (re)arm the debounce timer; a burst of writes is one batch,
 *    but a batch never waits more than `maxWaitMs` while events keep coming;
 * 2. a batch whose events all named manifest files (or temporary files gone since, as an atomic
 *    write leaves) reads just those files, without listing the folder: an edit in a folder of
 *    thousands of files costs what it touched. Any other batch lists the folder again and reads
 *    every file that is new, named by an event, or whose signature (inode, size, mtime, ctime)
 *    changed, stat'ing only the files the events name and the files it did not know (one `readdir`
 *    per folder otherwise); the initial load, the periodic resync and a failed watch stat every
 *    file — so a missed event is still seen, at the next resync at the latest; the listing also
 *    decides which folders are watched, and a newly watched folder triggers one more listing for
 *    files written before its watch began;
 * 3. a file is taken only if its signature is the same before and after reading it; otherwise it is
 *    still being written and is read again in a later batch;
 * 4. a file that held objects and is now missing or blank is believed only after `graceMs` (an
 *    editor's rename-and-write, a truncate-then-write); until then it keeps its objects;
 * 5. the merged state is reported only if objects or errors changed.
 */
class WatchedFolderSource implements ResourceSource {
  private readonly dir: string;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly graceMs: number;
  private readonly resyncMs: number;
  private readonly model: FolderModel;
  /** Signature of each file at its last accepted read. */
  private readonly known = new Map<string, FileSignature>();
  /** Files that held objects and were found missing or blank, with when that was first seen. */
  private readonly suspects = new Map<string, number>();
  private dirty = new Set<string>();
  /** Paths named by events that are not manifests (a folder, a temporary file, a symlink swap). */
  private others = new Set<string>();
  /** Folders of the last listing. */
  private dirs = new Set<string>();
  private phase: Phase = 'new';
  private onChange: ((state: SourceState) => void) | undefined;
  private readonly watch: FolderWatch;
  private debounceTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private firstEventAt: number | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  /** The next listing stats every file (initial load, resync, a watch that failed). */
  private fullScan = true;

  constructor(options: FileSourceOptions) {
    this.dir = options.dir;
    this.debounceMs = Math.max(0, options.debounceMs ?? 50);
    this.maxWaitMs = Math.max(this.debounceMs, options.maxWaitMs ?? this.debounceMs * 10);
    this.graceMs = Math.max(0, options.graceMs ?? Math.max(250, this.debounceMs * 4));
    this.resyncMs = Math.max(0, options.resyncMs ?? 10_000);
    this.watch = new FolderWatch(options.dir, (rel) => this.onEvent(rel));
    this.model = new FolderModel(options.dir, options.decode, options.now ?? (() => new Date()), options.newUid ?? randomUUID);
  }

  async start(onChange: (state: SourceState) => void): Promise<void> {
    if (this.phase !== 'new') throw new Error(`file source for ${this.dir} was already started`);
    await assertFolder(this.dir);
    this.phase = 'starting';
    this.onChange = onChange;
    // The root's watch starts before the first listing, so that no change falls between the two.
    this.watch.sync(['']);
    this.busy = this.batch(true);
    try {
      await this.busy;
    } finally {
      this.busy = undefined;
    }
    if (this.phase !== 'starting') return; // stopped during the initial load
    this.phase = 'running';
    if (this.resyncMs > 0) {
      this.resyncTimer = setInterval(() => {
        this.fullScan = true;
        this.schedule(0);
      }, this.resyncMs);
      this.resyncTimer.unref();
    }
    // Events (or newly watched subfolders) during the initial load: list again.
    if (this.again) this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.watch.close();
    clearTimeout(this.debounceTimer);
    clearTimeout(this.graceTimer);
    clearInterval(this.resyncTimer);
    // A batch in progress finishes its reads but reports nothing (onChange checks the phase).
    await this.busy?.catch(() => undefined);
  }

  private onEvent(rel: string | undefined): void {
    if (this.phase === 'stopped') return;
    if (rel === undefined) this.fullScan = true;
    else if (isManifestPath(rel)) this.dirty.add(rel);
    else this.others.add(rel);
    this.schedule();
  }

  /** (Re)arms the debounce timer. */
  private schedule(delay = this.debounceMs): void {
    if (this.phase === 'stopped') return;
    const now = performance.now();
    this.firstEventAt ??= now;
    const wait = Math.max(0, Math.min(delay, this.firstEventAt + this.maxWaitMs - now));
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.debounceTimer = undefined;
    this.firstEventAt = undefined;
    if (this.phase !== 'running') {
      this.again = this.phase === 'starting';
      return;
    }
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.pump().finally(() => {
      this.busy = undefined;
    });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      await this.batch(false);
    } while (this.again && this.phase === 'running');
  }

  private async batch(initial: boolean): Promise<void> {
    const named = this.dirty;
    this.dirty = new Set();
    const others = this.others;
    this.others = new Set();
    const now = performance.now();
    const full = initial || this.fullScan;
    this.fullScan = false;
    if (!full && (await this.onlyNamedFilesChanged(others))) {
      await this.readNamed(named, now);
      this.finishBatch(now);
      return;
    }
    let listing: FolderListing;
    try {
      const reuse = full ? undefined : { previous: this.known, suspect: (rel: string) => named.has(rel) || this.suspects.has(rel) };
      listing = await scanFolder(this.dir, reuse);
      this.model.setFolderError(undefined);
    } catch (e) {
      this.fullScan = true;
      // The folder itself is gone or unreadable: every file counts as missing (and is believed after the grace time).
      listing = { files: new Map(), dirs: [''] };
      this.model.setFolderError(`cannot read folder ${this.dir}: ${messageOf(e)}`);
    }
    this.dirs = new Set(listing.dirs);
    if (this.phase !== 'stopped' && this.watch.sync(listing.dirs)) this.schedule();
    const toRead = [...listing.files].filter(
      ([rel, signature]) => initial || named.has(rel) || this.suspects.has(rel) || this.known.get(rel) !== signature,
    );
    await forEachLimited(toRead, READ_CONCURRENCY, ([rel, signature]) => this.readOne(rel, signature, now, initial));
    for (const rel of [...this.known.keys()]) if (!listing.files.has(rel)) this.missing(rel, now);
    this.finishBatch(now);
  }

  private finishBatch(now: number): void {
    this.armGraceTimer(now);
    const state = this.model.commit();
    if (state && this.phase !== 'stopped') this.onChange?.(state);
  }

  /**
   * True when the folder need not be listed for this batch: every event named a manifest file, or
   * a path that is gone and was no folder (the temporary file of an atomic write, renamed since).
   * A folder, a symlink swap or anything still there that is not a manifest makes a listing.
   */
  private async onlyNamedFilesChanged(others: ReadonlySet<string>): Promise<boolean> {
    for (const rel of others) {
      if (this.dirs.has(rel)) return false;
      try {
        await lstat(join(this.dir, rel));
        return false;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      }
    }
    return true;
  }

  /**
   * A batch without a listing: the named files and the suspects are stat'ed; those there are read
   * (when named, suspect or changed), those gone count as missing. It costs what the events named,
   * whatever the size of the folder.
   */
  private async readNamed(named: ReadonlySet<string>, now: number): Promise<void> {
    const paths = new Set([...named, ...this.suspects.keys()]);
    const toRead: [string, FileSignature][] = [];
    const gone: string[] = [];
    let folderNamed = false;
    await forEachLimited([...paths], READ_CONCURRENCY, async (rel) => {
      try {
        const s = await stat(join(this.dir, rel));
        if (s.isFile()) toRead.push([rel, signatureOf(s)]);
        else if (s.isDirectory()) folderNamed = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') gone.push(rel);
        else toRead.push([rel, '']); // unreadable: readOne reports it
      }
    });
    // A folder with a manifest's name: list the folder after all.
    if (folderNamed) {
      this.fullScan = true;
      this.schedule(0);
    }
    toRead.sort((a, b) => comparePaths(a[0], b[0]));
    await forEachLimited(toRead, READ_CONCURRENCY, ([rel, signature]) => this.readOne(rel, signature, now, false));
    for (const rel of gone) if (this.known.has(rel) || this.suspects.has(rel)) this.missing(rel, now);
  }

  private async readOne(rel: string, listed: FileSignature, now: number, initial: boolean): Promise<void> {
    const abs = join(this.dir, rel);
    let text: string;
    let signature: FileSignature;
    try {
      const before = signatureOf(await stat(abs));
      text = await readFile(abs, 'utf8');
      signature = signatureOf(await stat(abs));
      if (before !== signature) {
        // Still being written: read it again once it is quiet.
        this.dirty.add(rel);
        this.schedule();
        return;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.missing(rel, now);
        return;
      }
      this.model.readFailed(rel, `cannot read file: ${messageOf(e)}`);
      this.known.set(rel, listed);
      return;
    }
    if (!initial && text.trim() === '' && this.model.hasObjects(rel) && !this.graceOver(rel, now)) {
      this.suspects.set(rel, this.suspects.get(rel) ?? now);
      return;
    }
    this.suspects.delete(rel);
    this.model.read(rel, text);
    this.known.set(rel, signature);
  }

  /** A file that was read before is not there (now). */
  private missing(rel: string, now: number): void {
    if (this.model.hasObjects(rel) && !this.graceOver(rel, now)) {
      this.suspects.set(rel, this.suspects.get(rel) ?? now);
      return;
    }
    this.suspects.delete(rel);
    this.known.delete(rel);
    this.model.remove(rel);
  }

  private graceOver(rel: string, now: number): boolean {
    const since = this.suspects.get(rel);
    return since !== undefined && now - since >= this.graceMs;
  }

  /** Makes sure a batch runs when the earliest suspect's grace time is over. */
  private armGraceTimer(now: number): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.suspects.size === 0 || this.phase === 'stopped') return;
    const due = Math.min(...this.suspects.values()) + this.graceMs;
    this.graceTimer = setTimeout(() => this.schedule(0), Math.max(0, due - now) + 1);
  }
}
