import { describe, expect, it } from 'vitest';
import { fullCollector, startIdleCompaction } from './idle-compaction.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

describe('idle compaction', () => {
  it('collects once the process is quiet after its heap grew, not while it works, and not again for a small growth', async () => {
    let activity = 0;
    let heap = 10 * MiB;
    const runs: number[] = [];
    const c = startIdleCompaction({
      activity: () => activity,
      quietMs: 60,
      everyMs: 10,
      minGrowthMiB: 64,
      gc: () => {
        runs.push(heap);
        heap = 40 * MiB; // what is live
      },
      heapUsed: () => heap,
    });
    try {
      // Busy: activity moves every few ms while the heap grows past the threshold.
      for (let i = 0; i < 10; i++) {
        activity++;
        heap += 20 * MiB;
        await sleep(15);
        expect(runs).toEqual([]);
      }
      await sleep(150);
      expect(runs).toEqual([210 * MiB]);
      expect(c.compactions()).toBe(1);
      // A small edit later: 30 MiB more than what was live is not worth a collection.
      activity++;
      heap += 30 * MiB;
      await sleep(150);
      expect(runs).toHaveLength(1);
    } finally {
      c.stop();
    }
  });

  it('gets V8\'s full collector at run time, and a collection frees what is no longer referenced', () => {
    const gc = fullCollector();
    expect(typeof gc).toBe('function');
    let garbage: number[][] | undefined = Array.from({ length: 200 }, () => new Array(10_000).fill(1));
    const withGarbage = process.memoryUsage().heapUsed;
    garbage = undefined;
    gc!();
    expect(garbage).toBeUndefined();
    expect(process.memoryUsage().heapUsed).toBeLessThan(withGarbage - 8 * MiB);
  });
});
