import { readFile, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { FolderModel } from './folder-model.js';
import { scanFolder } from './scan-folder.js';
import { FolderUnreadableError } from './source-errors.js';
import { messageOf } from './file-contribution.js';
import type { Decode, SourceState } from './source-types.js';

/** Options of {@link loadFolder}. */
export interface LoadFolderOptions {
  now?: () => Date;
  newUid?: () => string;
}

/**
 * Reads a folder once, without watching it (for `portway translate` and `portway validate`).
 * Rejects with {@link FolderUnreadableError} if `dir` is not a readable folder; problems with
 * single files are reported in the state's `errors`.
 */
export async function loadFolder(dir: string, decode: Decode, options: LoadFolderOptions = {}): Promise<SourceState> {
  await assertFolder(dir);
  const model = new FolderModel(dir, decode, options.now ?? (() => new Date()), options.newUid ?? randomUUID);
  const files = await scanFolder(dir).catch((e: unknown) => {
    throw new FolderUnreadableError({ dir, message: `cannot read folder ${dir}: ${messageOf(e)}` });
  });
  for (const rel of files.files.keys()) {
    try {
      model.read(rel, await readFile(join(dir, rel), 'utf8'));
    } catch (e) {
      model.readFailed(rel, `cannot read file: ${messageOf(e)}`);
    }
  }
  return model.commit()!;
}

/** Rejects with {@link FolderUnreadableError} unless `dir` is a folder. */
export async function assertFolder(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (e) {
    throw new FolderUnreadableError({ dir, message: `cannot read folder ${dir}: ${messageOf(e)}` });
  }
  if (!isDir) throw new FolderUnreadableError({ dir, message: `${dir} is not a folder` });
}
