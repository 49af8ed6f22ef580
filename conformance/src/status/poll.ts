import type { StatusSnapshot } from '../portway/status-client.js';
import { sleep } from '../util/sleep.js';

/** Result of evaluating a check against one status reading: passed, not yet (why), or failed for good. */
export type Verdict = true | string | { fatal: string };

/** A status check that did not pass. `fatal` mirrors upstream `require` (the test stops). */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly fatal = true,
  ) {
    super(message);
  }
}

/** Thrown by a status reader when Portway is gone for good: polling stops at once. */
export class StatusSourceGone extends Error {}

/** Reads `/status`; throws StatusSourceGone when Portway has exited. */
export type StatusReader = () => Promise<StatusSnapshot>;

/**
 * Evaluates `evaluate` against fresh status readings every `intervalMs` until it passes, returns a
 * fatal verdict, or `timeoutMs` elapses (the first evaluation is immediate). A failed read counts
 * as "not yet"; the last reason is in the error.
 */
export async function pollStatus(read: StatusReader, label: string, timeoutMs: number, intervalMs: number, evaluate: (s: StatusSnapshot) => Verdict): Promise<StatusSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let why = 'not evaluated';
  for (let attempt = 0; ; attempt++) {
    let snap: StatusSnapshot | undefined;
    try {
      snap = await read();
    } catch (e) {
      if (e instanceof StatusSourceGone) throw new CheckFailure(`${label}: ${e.message}`);
      why = `status unavailable: ${(e as Error).message}`;
    }
    if (snap) {
      const v = evaluate(snap);
      if (v === true) return snap;
      if (typeof v === 'object') throw new CheckFailure(`${label}: ${v.fatal}`);
      why = v;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  throw new CheckFailure(`${label}: timed out after ${timeoutMs} ms: ${why}`);
}
