import { readdir, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { join } from 'node:path';
import { isIgnoredName, isManifestName } from './watched-files.js';

/** Identity and content markers of a file: a change in any means the file must be read again. */
export type FileSignature = string;

export function signatureOf(s: Stats): FileSignature {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/** Deepest folder nesting followed (guards against symlink loops together with the visited set). */
const MAX_DEPTH = 32;

/** A listing of the folder. */
export interface FolderListing {
  /** Manifest files, as `/`-separated paths relative to the folder, with their signatures. */
  files: Map<string, FileSignature>;
  /** Folders read (relative paths; `''` is the folder itself). */
  dirs: string[];
}

/**
 * What a listing may take from the previous one: the signature of a regular file that is not
 * `suspect` (named by a file event, say) is carried over without a `stat`, so that a listing
 * after an edit costs one `readdir` per folder and a `stat` per changed file, not one per file.
 */
export interface ScanReuse {
  previous: ReadonlyMap<string, FileSignature>;
  suspect: (rel: string) => boolean;
}

/**
 * Lists the manifest files under `dir`, recursively. Symlinks are followed (a ConfigMap volume
 * is made of them); files that vanish while the folder is listed are left out. Throws if `dir`
 * itself cannot be read. Without `reuse`, every entry is stat'ed.
 */
export async function scanFolder(dir: string, reuse?: ScanReuse): Promise<FolderListing> {
  const listing: FolderListing = { files: new Map(), dirs: [] };
  const visited = new Set<string>();
  const root = await stat(dir);
  visited.add(`${root.dev}:${root.ino}`);
  await walk(dir, '', 0, listing, visited, true, reuse);
  return listing;
}

async function walk(
  abs: string,
  rel: string,
  depth: number,
  listing: FolderListing,
  visited: Set<string>,
  isRoot: boolean,
  reuse: ScanReuse | undefined,
): Promise<void> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(abs, { withFileTypes: true });
  } catch (e) {
    if (isRoot) throw e;
    return; // a subfolder removed or unreadable while listing: its files count as gone
  }
  listing.dirs.push(rel);
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Stat a folder's entries together (the listing runs on every batch), then visit them in name order.
  // A regular file the previous listing had and nothing points at keeps its signature unstat'ed.
  const entries = await Promise.all(
    dirents
      .filter((d) => !isIgnoredName(d.name))
      .map(async (d) => {
        const name = d.name;
        const childAbs = join(abs, name);
        const childRel = rel ? `${rel}/${name}` : name;
        if (reuse !== undefined && d.isFile() && isManifestName(name) && !reuse.suspect(childRel)) {
          const known = reuse.previous.get(childRel);
          if (known !== undefined) return { name, childAbs, childRel, s: undefined, known };
        }
        try {
          return { name, childAbs, childRel, s: await stat(childAbs), known: undefined };
        } catch {
          return undefined; // vanished, or a dangling symlink
        }
      }),
  );
  for (const e of entries) {
    if (!e) continue;
    const childRel = e.childRel;
    if (e.s === undefined) {
      listing.files.set(childRel, e.known!);
    } else if (e.s.isDirectory()) {
      const id = `${e.s.dev}:${e.s.ino}`;
      if (depth >= MAX_DEPTH || visited.has(id)) continue;
      visited.add(id);
      await walk(e.childAbs, childRel, depth + 1, listing, visited, false, reuse);
    } else if (e.s.isFile() && isManifestName(e.name)) {
      listing.files.set(childRel, signatureOf(e.s));
    }
  }
}
