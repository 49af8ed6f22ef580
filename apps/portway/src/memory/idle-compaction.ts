import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Options of {@link startIdleCompaction}. */
export interface IdleCompactionOptions {
  /** A counter that moves whenever the process works (the controller's build count, say). */
  activity: () => number;
  /** Time without activity before a compaction may run. Default 2 s. */
  quietMs?: number;
  /** Heap growth since the last compaction (or start) that makes one worth it. Default 64 MiB. */
  minGrowthMiB?: number;
  /** How often activity is looked at. Default 500 ms. */
  everyMs?: number;
  /** Reports each compaction (heap used before and after, MiB, and how long it took). */
  onCompaction?: (r: { beforeMiB: number; afterMiB: number; ms: number }) => void;
  /** For tests: the collector and the heap reading. */
  gc?: () => void;
  heapUsed?: () => number;
}

/**
 * Gives memory back after a large burst of work. V8 sizes its heap from the peaks of a busy
 * phase (the first build of thousands of routes, a large churn) and, in an otherwise idle
 * process, keeps that much memory for a long time: nothing allocates enough to start the next
 * full collection. Once the process has been quiet for `quietMs` and its heap grew by at least
 * `minGrowthMiB` since the last compaction, this runs one full collection, so the heap — and the
 * resident memory — come back to what is live. Small edits never trigger one (a full collection
 * of a large heap stops the process for tens of milliseconds, at a quiet moment).
 */
export function startIdleCompaction(o: IdleCompactionOptions): { stop(): void; compactions(): number } {
  const gc = o.gc ?? fullCollector();
  const heapUsed = o.heapUsed ?? (() => process.memoryUsage().heapUsed);
  const quietMs = o.quietMs ?? 2_000;
  const minGrowth = (o.minGrowthMiB ?? 64) * 1024 * 1024;
  let seen = o.activity();
  let quietSince = Date.now();
  let baseline = 0;
  let count = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const a = o.activity();
    if (a !== seen) {
      seen = a;
      quietSince = now;
      return;
    }
    if (gc === undefined || now - quietSince < quietMs) return;
    const before = heapUsed();
    if (before - baseline < minGrowth) return;
    const started = performance.now();
    gc();
    baseline = heapUsed();
    count++;
    o.onCompaction?.({ beforeMiB: before / 1048576, afterMiB: baseline / 1048576, ms: performance.now() - started });
  }, o.everyMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer), compactions: () => count };
}

/** V8's full collection (`gc`), made available at run time; undefined where the runtime refuses. */
export function fullCollector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
