/** Where things are: the repository root (from this module's location) and scratch folders. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/src/lib or bench/dist/lib → the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built CLI (`npm run build` makes it). */
export const PORTWAY_MAIN = join(REPO_ROOT, 'apps', 'portway', 'dist', 'main.js');

/** The built benchmark scripts (peers' entry points are run from here). */
export const BENCH_DIST = join(REPO_ROOT, 'bench', 'dist');

export function scratchDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `portway-bench-${name}-`));
}
