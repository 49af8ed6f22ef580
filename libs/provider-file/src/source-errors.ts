import { Data } from 'effect';

/** The folder given to a file source cannot be used (missing, not a folder, unreadable). */
export class FolderUnreadableError extends Data.TaggedError('FolderUnreadableError')<{
  readonly dir: string;
  readonly message: string;
}> {}
