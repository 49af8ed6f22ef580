import { Context, Effect, Layer, SubscriptionRef, type Scope, type Stream } from 'effect';
import { createFileSource } from './file-source.js';
import { messageOf } from './file-contribution.js';
import { FolderUnreadableError } from './source-errors.js';
import type { FileSourceOptions, SourceState } from './source-types.js';

/** A started, watched folder source, as an effect service. */
export interface FileSourceService {
  /** The latest state. */
  readonly current: Effect.Effect<SourceState>;
  /** The current state, then every later one (each a debounced batch of changes). */
  readonly changes: Stream.Stream<SourceState>;
}

/** The service key for the folder source. */
export class FileSource extends Context.Tag('@portway/provider-file/FileSource')<FileSource, FileSourceService>() {}

/**
 * Starts watching `options.dir` for the life of the scope (the watch is closed when the scope
 * closes). Fails with {@link FolderUnreadableError} if the folder cannot be read.
 */
export function makeFileSource(options: FileSourceOptions): Effect.Effect<FileSourceService, FolderUnreadableError, Scope.Scope> {
  return Effect.gen(function* () {
    const source = createFileSource(options);
    let ref: SubscriptionRef.SubscriptionRef<SourceState> | undefined;
    let initial: SourceState | undefined;
    const onChange = (state: SourceState): void => {
      if (ref) Effect.runSync(SubscriptionRef.set(ref, state));
      else initial = state;
    };
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => source.start(onChange),
        catch: (e) => (e instanceof FolderUnreadableError ? e : new FolderUnreadableError({ dir: options.dir, message: messageOf(e) })),
      }),
      () => Effect.promise(() => source.stop()),
    );
    // start() resolves only after the initial state was reported.
    const created = yield* SubscriptionRef.make(initial!);
    ref = created;
    return { current: SubscriptionRef.get(created), changes: created.changes };
  });
}

/** A layer providing {@link FileSource} for `options.dir`. */
export function fileSourceLayer(options: FileSourceOptions): Layer.Layer<FileSource, FolderUnreadableError> {
  return Layer.scoped(FileSource, makeFileSource(options));
}
