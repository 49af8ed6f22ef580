import { Effect } from 'effect';
import type { Logger } from '../logger.js';
import { startIdleCompaction } from './idle-compaction.js';

/**
 * Idle compaction (see idle-compaction.ts) for the life of a command's scope, each compaction
 * logged at debug level. `activity` is the counter that moves whenever the process works.
 */
export const idleCompactionScope = (activity: () => number, log: Logger) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      startIdleCompaction({
        activity,
        onCompaction: (r) => log.debug({ heapBeforeMiB: Math.round(r.beforeMiB), heapAfterMiB: Math.round(r.afterMiB), ms: Math.round(r.ms) }, 'heap compacted after a quiet moment'),
      }),
    ),
    (c) => Effect.sync(() => c.stop()),
  );
