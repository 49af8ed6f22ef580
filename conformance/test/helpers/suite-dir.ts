import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The shared suite folder (the upstream suite as data). */
export const SUITE_DIR = resolve(REPO_ROOT, '..', 'shared', 'conformance');

if (!existsSync(SUITE_DIR)) throw new Error(`the conformance suite data is expected at ${SUITE_DIR}`);
