import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MIB, WorkerDataPlane } from '../src/worker-data-plane.js';
import type { Log } from '../src/log.js';

const log: Log = { debug() {}, info() {}, warn() {}, error() {} };
const workerScript = fileURLToPath(new URL('./support/exec-argv-worker.mjs', import.meta.url));

/** The options a worker of `plane` was started with (the stand-in worker reports them by failing an apply). */
async function workerExecArgv(plane: WorkerDataPlane): Promise<string[]> {
  const error = await plane.apply([]).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  const m = /execArgv (\[.*\])$/.exec(error?.message ?? '');
  if (m === null) throw new Error(`unexpected answer: ${error?.message}`);
  return JSON.parse(m[1]!) as string[];
}

describe('WorkerDataPlane workers', () => {
  it('start with a bounded young generation (semiSpaceMiB, one flag only)', async () => {
    const plane = new WorkerDataPlane({ workers: 1, log, workerScript, semiSpaceMiB: 3, applyTimeoutMs: 10_000 });
    await plane.start();
    try {
      const argv = await workerExecArgv(plane);
      expect(argv.filter((a) => a.startsWith('--max-semi-space-size'))).toEqual(['--max-semi-space-size=3']);
    } finally {
      await plane.close();
    }
  });
  it('default to WORKER_SEMI_SPACE_MIB', async () => {
    const plane = new WorkerDataPlane({ workers: 1, log, workerScript, applyTimeoutMs: 10_000 });
    await plane.start();
    try {
      expect(await workerExecArgv(plane)).toContain(`--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`);
    } finally {
      await plane.close();
    }
  });
});
