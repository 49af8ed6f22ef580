/**
 * Retry delays: exponential backoff with jitter drawn from a seeded generator carried in the
 * machine's context, so transitions stay pure and replayable (no Math.random).
 */

/** Backoff settings. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseDelayMs: number;
  /** Upper bound of the exponential part. */
  maxDelayMs: number;
  /** Extra random share of the delay, 0..1 (0.2: up to +20 %). */
  jitter: number;
}

/** One step of mulberry32: a uniform number in [0, 1) and the generator's next state. */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/**
 * The delay before retry number `failures` (1 after the first failure): min(max, base × 2^(failures-1)),
 * plus up to `jitter` of it, using `random` in [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (1 + policy.jitter * random));
}
