import { describe, expect, it } from 'vitest';
import { canonicalHeaderKey } from './canonical-header-key.js';

describe("Go's CanonicalMIMEHeaderKey", () => {
  it('upper-cases the first letter and each letter after a hyphen, lower-cases the rest', () => {
    expect(canonicalHeaderKey('x-foo-bar')).toBe('X-Foo-Bar');
    expect(canonicalHeaderKey('USER-AGENT')).toBe('User-Agent');
    expect(canonicalHeaderKey('http2-settings')).toBe('Http2-Settings');
    expect(canonicalHeaderKey('x--a')).toBe('X--A');
    expect(canonicalHeaderKey('-x')).toBe('-X');
    expect(canonicalHeaderKey('www-authenticate')).toBe('Www-Authenticate');
  });

  it('leaves names with non-token bytes alone', () => {
    expect(canonicalHeaderKey('foo bar')).toBe('foo bar');
    expect(canonicalHeaderKey('x:y')).toBe('x:y');
  });
});
