import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
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
 * Lists the manifest files under `dir`, recursively. Symlinks are followed (a ConfigMap volume
 * is made of them); files that vanish while the folder is listed are left out. Throws if `dir`
 * itself cannot be read.
 */
export async function scanFolder(dir: string): Promise<FolderListing> {
  const listing: FolderListing = { files: new Map(), dirs: [] };
  const visited = new Set<string>();
  const root = await stat(dir);
  visited.add(`${root.dev}:${root.ino}`);
  await walk(dir, '', 0, listing, visited, true);
  return listing;
}

async function walk(
  abs: string,
  rel: string,
  depth: number,
  listing: FolderListing,
  visited: Set<string>,
  isRoot: boolean,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (e) {
    if (isRoot) throw e;
    return; // a subfolder removed or unreadable while listing: its files count as gone
  }
  listing.dirs.push(rel);
  names.sort();
  // Stat a folder's entries together (the listing runs on every batch), then visit them in name order.
  const entries = await Promise.all(
    names
      .filter((name) => !isIgnoredName(name))
      .map(async (name) => {
        const childAbs = join(abs, name);
        try {
          return { name, childAbs, s: await stat(childAbs) };
        } catch {
          return undefined; // vanished, or a dangling symlink
        }
      }),
  );
  for (const e of entries) {
    if (!e) continue;
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.s.isDirectory()) {
      const id = `${e.s.dev}:${e.s.ino}`;
      if (depth >= MAX_DEPTH || visited.has(id)) continue;
      visited.add(id);
      await walk(e.childAbs, childRel, depth + 1, listing, visited, false);
    } else if (e.s.isFile() && isManifestName(e.name)) {
      listing.files.set(childRel, signatureOf(e.s));
    }
  }
}
