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
  for (const name of names) {
    if (isIgnoredName(name)) continue;
    const childAbs = join(abs, name);
    const childRel = rel ? `${rel}/${name}` : name;
    let s: Stats;
    try {
      s = await stat(childAbs);
    } catch {
      continue; // vanished, or a dangling symlink
    }
    if (s.isDirectory()) {
      const id = `${s.dev}:${s.ino}`;
      if (depth >= MAX_DEPTH || visited.has(id)) continue;
      visited.add(id);
      await walk(childAbs, childRel, depth + 1, listing, visited, false);
    } else if (s.isFile() && isManifestName(name)) {
      listing.files.set(childRel, signatureOf(s));
    }
  }
}
