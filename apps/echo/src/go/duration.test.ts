import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

const d = (s: string): bigint => parseDuration(Buffer.from(s));

describe("Go's time.ParseDuration", () => {
  it('parses units, fractions, signs and sums', () => {
    expect(d('1s')).toBe(1_000_000_000n);
    expect(d('500ms')).toBe(500_000_000n);
    expect(d('1.5h')).toBe(5_400_000_000_000n);
    expect(d('1h2m3.5s')).toBe(3_723_500_000_000n);
    expect(d('-2us')).toBe(-2000n);
    expect(d('3µs')).toBe(3000n);
    expect(d('.5s')).toBe(500_000_000n);
    expect(d('0')).toBe(0n);
    expect(d('+0')).toBe(0n);
  });

  it('fails with Go messages', () => {
    expect(() => d('abc')).toThrow('time: invalid duration "abc"');
    expect(() => d('')).toThrow('time: invalid duration ""');
    expect(() => d('5')).toThrow('time: missing unit in duration "5"');
    expect(() => d('1d')).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => d('.s')).toThrow('time: invalid duration ".s"');
    expect(() => d('9999999999h')).toThrow('time: invalid duration "9999999999h"');
    expect(() => parseDuration(Buffer.from([0x31, 0xff]))).toThrow('time: unknown unit "\\xff" in duration "1\\xff"');
  });
});
