import { describe, expect, it } from 'vitest';
import { CorsPolicy, isPreflight } from './cors.js';
import { HeaderPlan, type HeaderObject } from './header-plan.js';
import { modifyPath, replacePrefix } from './path-rewrite.js';
import { buildLocation, type RedirectRequest } from './redirect.js';

describe('replacePrefix (the spec table for ReplacePrefixMatch)', () => {
  const cases: [path: string, prefix: string, replacement: string, expected: string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/anything/here', '/', '/prefix', '/prefix/anything/here'],
    ['/', '/', '/prefix', '/prefix/'],
  ];
  it.each(cases)('%s with prefix %s → %s gives %s', (path, prefix, replacement, expected) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(expected);
  });

  it('ReplaceFullPath replaces everything; ReplacePrefixMatch leaves regex matches alone', () => {
    expect(modifyPath('/a/b', { type: 'ReplaceFullPath', value: '/one' }, '/a')).toBe('/one');
    expect(modifyPath('/a/b', { type: 'ReplacePrefixMatch', value: '/z' }, null)).toBe('/a/b');
  });
});

describe('buildLocation', () => {
  const base: RedirectRequest = { scheme: 'http', host: 'example.com', listenerPort: 8080, path: '/p', query: null, matchedPrefix: '/p' };
  it('keeps scheme, host and the listener port when the filter sets none', () => {
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 302 }, base)).toBe('http://example.com:8080/p');
  });
  it('uses the well-known port of a given scheme and leaves it out of the Location', () => {
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 301, scheme: 'https' }, base)).toBe('https://example.com/p');
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 301, scheme: 'http' }, base)).toBe('http://example.com/p');
  });
  it('omits the port when the listener port is the scheme default', () => {
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 302 }, { ...base, listenerPort: 80 })).toBe('http://example.com/p');
  });
  it('writes an explicit port unless it is the default of the scheme', () => {
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 302, port: 8443, scheme: 'https' }, base)).toBe('https://example.com:8443/p');
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 302, port: 443, scheme: 'https' }, base)).toBe('https://example.com/p');
    expect(buildLocation({ type: 'RequestRedirect', statusCode: 302, port: 80 }, base)).toBe('http://example.com/p');
  });
  it('rewrites hostname and path, and keeps the query', () => {
    expect(
      buildLocation(
        { type: 'RequestRedirect', statusCode: 307, hostname: 'other.org', path: { type: 'ReplacePrefixMatch', value: '/new' } },
        { ...base, path: '/p/rest', query: 'a=1' },
      ),
    ).toBe('http://other.org:8080/new/rest?a=1');
    expect(
      buildLocation({ type: 'RequestRedirect', statusCode: 308, path: { type: 'ReplaceFullPath', value: '/full' } }, { ...base, listenerPort: 80 }),
    ).toBe('http://example.com/full');
  });
});

describe('HeaderPlan', () => {
  it('sets, appends (comma-joined) and removes in order', () => {
    const plan = HeaderPlan.compile([{ set: [{ name: 'X-A', value: '1' }], add: [{ name: 'X-B', value: 'new' }], remove: ['X-C'] }])!;
    const h: HeaderObject = { 'x-a': 'old', 'x-b': 'first', 'x-c': 'gone', 'x-d': 'kept' };
    plan.apply(h);
    expect(h).toEqual({ 'x-a': '1', 'x-b': 'first,new', 'x-d': 'kept' });
    expect(plan.drop).toEqual(new Set(['x-a', 'x-c']));
  });
  it('keeps set-cookie a list on add, and merges plans in order', () => {
    const a = HeaderPlan.compile([{ add: [{ name: 'Set-Cookie', value: 'b=2' }] }]);
    const b = HeaderPlan.compile([{ set: [{ name: 'x', value: 'from-b' }] }]);
    const h: HeaderObject = { 'set-cookie': ['a=1'], x: 'orig' };
    HeaderPlan.merge(a, b)!.apply(h);
    expect(h).toEqual({ 'set-cookie': ['a=1', 'b=2'], x: 'from-b' });
    expect(HeaderPlan.compile([{}])).toBeNull();
  });
  it('merges plans of several operations each, keeping every operation in order', () => {
    const a = HeaderPlan.compile([{ set: [{ name: 'X-A', value: '1' }], remove: ['X-C'] }, { add: [{ name: 'x-a', value: '2' }] }]);
    const b = HeaderPlan.compile([{ remove: ['x-a'] }, { add: [{ name: 'X-A', value: '3' }] }]);
    const h: HeaderObject = { 'x-a': 'old', 'x-c': 'gone', 'x-d': 'kept' };
    a!.apply(h);
    expect(h).toEqual({ 'x-a': '1,2', 'x-d': 'kept' });
    const merged = HeaderPlan.merge(a, b)!;
    const h2: HeaderObject = { 'x-a': 'old', 'x-c': 'gone' };
    merged.apply(h2);
    expect(h2).toEqual({ 'x-a': '3' });
    expect(merged.drop).toEqual(new Set(['x-a', 'x-c']));
  });
});

describe('CorsPolicy', () => {
  const policy = new CorsPolicy({
    type: 'CORS',
    allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
    allowMethods: ['GET', 'OPTIONS'],
    allowHeaders: ['x-header-1', 'x-header-2'],
    exposeHeaders: ['x-header-3'],
    allowCredentials: true,
    maxAge: 3600,
  });
  it('matches exact and wildcard origins (wildcard spans labels)', () => {
    expect(policy.allows('https://www.foo.com')).toBe(true);
    expect(policy.allows('https://www.bar.com')).toBe(true);
    expect(policy.allows('https://a.b.bar.com')).toBe(true);
    expect(policy.allows('https://bar.com')).toBe(false);
    expect(policy.allows('http://www.foo.com')).toBe(false);
    expect(policy.allows('https://foobar.com')).toBe(false);
  });
  it('builds preflight answers', () => {
    expect(policy.preflightHeaders('https://www.bar.com', 'GET', 'x-header-1')).toEqual({
      'access-control-allow-origin': 'https://www.bar.com',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'x-header-1, x-header-2',
      'access-control-expose-headers': 'x-header-3',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
      vary: 'Origin',
    });
    expect(policy.preflightHeaders('https://evil.com', 'GET', undefined)).toBeNull();
  });
  it('echoes the requested method and headers for wildcards with credentials, "*" without', () => {
    const withCreds = new CorsPolicy({ type: 'CORS', allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [], allowCredentials: true });
    const h = withCreds.preflightHeaders('https://x.org', 'PUT', 'x-a, x-b')!;
    expect(h['access-control-allow-methods']).toBe('PUT');
    expect(h['access-control-allow-headers']).toBe('x-a, x-b');
    expect(h['access-control-allow-origin']).toBe('https://x.org');
    expect(h['access-control-max-age']).toBe('5');
    const noCreds = new CorsPolicy({ type: 'CORS', allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [] });
    const n = noCreds.preflightHeaders('https://x.org:123', 'PUT', 'x-a')!;
    expect(n['access-control-allow-methods']).toBe('*');
    expect(n['access-control-allow-credentials']).toBeUndefined();
  });
  it('decorates actual responses only for allowed origins', () => {
    const h: HeaderObject = { vary: 'Accept' };
    policy.decorate(h, 'https://www.foo.com');
    expect(h).toMatchObject({ 'access-control-allow-origin': 'https://www.foo.com', 'access-control-allow-credentials': 'true', vary: 'Accept, Origin' });
    const none: HeaderObject = {};
    policy.decorate(none, 'https://evil.com');
    expect(none).toEqual({});
  });
  it('recognizes preflights', () => {
    expect(isPreflight('OPTIONS', 'https://a', 'GET')).toBe(true);
    expect(isPreflight('OPTIONS', 'https://a', undefined)).toBe(false);
    expect(isPreflight('GET', 'https://a', 'GET')).toBe(false);
  });
});
