import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Effect, Either, Fiber, Stream } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, fileSourceLayer, FolderUnreadableError, makeFileSource } from '../src/index.js';
import { gateway, route } from './manifests.js';
import { find, tempDir, waitUntil } from './support.js';
import { yamlDecode } from './yaml-decode.js';

let cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});
const watches = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;

describe('FileSource effect service', () => {
  it('streams the current state, then changes, and closes the watch with its scope', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'gw.yaml'), gateway('gw'));
    const program = Effect.gen(function* () {
      const source = yield* makeFileSource({ dir, decode: yamlDecode, debounceMs: 20 });
      const first = yield* source.current;
      const next = yield* source.changes.pipe(
        Stream.filter((s) => find(s, 'HTTPRoute', 'r') !== undefined),
        Stream.take(1),
        Stream.runHead,
        Effect.fork,
      );
      writeFileSync(join(dir, 'r.yaml'), route('r'));
      const changed = yield* Fiber.join(next).pipe(Effect.timeout('10 seconds'));
      expect(watches()).toBeGreaterThan(0);
      return { first, changed };
    });
    const { first, changed } = await Effect.runPromise(Effect.scoped(program));
    expect(first.objects.map((o) => o.metadata.name)).toEqual(['gw']);
    expect(changed._tag).toBe('Some');
    await waitUntil(() => watches() === 0, 'the scope to close the watch');
  });

  it('provides the service through a layer and fails with a tagged error for a missing folder', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'gw.yaml'), gateway('gw'));
    const names = await Effect.runPromise(
      Effect.gen(function* () {
        const source = yield* FileSource;
        return (yield* source.current).objects.map((o) => o.metadata.name);
      }).pipe(Effect.provide(fileSourceLayer({ dir, decode: yamlDecode }))),
    );
    expect(names).toEqual(['gw']);

    const failed = await Effect.runPromise(
      Effect.either(Effect.scoped(makeFileSource({ dir: join(dir, 'nope'), decode: yamlDecode }))),
    );
    expect(Either.isLeft(failed) && failed.left).toBeInstanceOf(FolderUnreadableError);
    expect(Either.isLeft(failed) && failed.left._tag).toBe('FolderUnreadableError');
  });
});
