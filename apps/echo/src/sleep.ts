/** Largest delay one `setTimeout` accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sleeps for `ns` nanoseconds (non-positive: not at all), like Go's `time.Sleep`. Resolves `false`
 * when `signal` aborts first (the server is closing), `true` otherwise.
 */
export function sleepNs(ns: bigint, signal: AbortSignal): Promise<boolean> {
  if (ns <= 0n) return Promise.resolve(true);
  if (signal.aborted) return Promise.resolve(false);
  let remaining = Number(ns) / 1e6;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const step = (): void => {
      if (remaining <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
        return;
      }
      const ms = Math.min(remaining, MAX_TIMER_MS);
      remaining -= ms;
      timer = setTimeout(step, ms);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
