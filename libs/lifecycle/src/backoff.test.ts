import { describe, expect, it } from 'vitest';
import { backoffDelay, nextRandom } from './backoff.js';

describe('backoff', () => {
  it('doubles from the base delay up to the cap, plus jitter', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(p, n, 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(p, 2, 0.5)).toBe(250);
    expect(backoffDelay(p, 6, 0.999)).toBeLessThanOrEqual(1500);
  });

  it('draws a replayable sequence in [0, 1) from a seed', () => {
    const draw = (seed: number, n: number) => {
      const out: number[] = [];
      let state = seed;
      for (let i = 0; i < n; i++) {
        const r = nextRandom(state);
        out.push(r.value);
        state = r.state;
      }
      return out;
    };
    const a = draw(42, 1000);
    expect(draw(42, 1000)).toEqual(a);
    expect(draw(43, 5)).not.toEqual(a.slice(0, 5));
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
