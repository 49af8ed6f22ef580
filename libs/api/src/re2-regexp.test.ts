import { describe, expect, it } from 'vitest';
import { re2 } from './re2-regexp.js';

describe('RE2 patterns on JavaScript', () => {
  it('moves leading inline flags to JavaScript flags', () => {
    expect(re2('^(?i)abc$').test('ABC')).toBe(true);
    expect(re2('(?i)^abc$').test('AbC')).toBe(true);
    expect(re2('^abc$').test('ABC')).toBe(false);
  });
  it('is an unanchored search, like RE2 MatchString', () => expect(re2('b').test('abc')).toBe(true));
  it('caches compiled patterns', () => expect(re2('^x$')).toBe(re2('^x$')));
  it('rejects what it cannot translate', () => expect(() => re2('(?U)a')).toThrow());
});
