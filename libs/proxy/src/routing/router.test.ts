import { describe, expect, it } from 'vitest';
import type { MatchEntry } from '@portway/ir';
import { compileRouter, firstHeader } from './router.js';
import { HostTable, hostWithoutPort } from './host-table.js';
import { normalizePath } from './path-normalize.js';

const req = (headers: Record<string, string> = {}) => ({ rawHeaders: Object.entries(headers).flat() });

function route(matches: MatchEntry[]) {
  const rules = matches.map((_, i) => `rule${i}`);
  const router = compileRouter(
    matches.map((m, i) => ({ ...m, rule: i })),
    rules,
  );
  return (path: string, o: { method?: string; query?: string; headers?: Record<string, string> } = {}) =>
    router.match(o.method ?? 'GET', path, o.query ?? null, req(o.headers))?.index ?? null;
}

describe('compileRouter', () => {
  it('matches PathPrefix element-wise', () => {
    const m = route([{ rule: 0, path: { type: 'PathPrefix', value: '/foo' } }]);
    expect(m('/foo')).toBe(0);
    expect(m('/foo/')).toBe(0);
    expect(m('/foo/bar')).toBe(0);
    expect(m('/foobar')).toBeNull();
    expect(m('/')).toBeNull();
  });

  it('treats "/" as a catch-all prefix and strips a trailing slash from prefixes', () => {
    const m = route([
      { rule: 0, path: { type: 'PathPrefix', value: '/a/b/' } },
      { rule: 0, path: { type: 'PathPrefix', value: '/' } },
    ]);
    expect(m('/a/b')).toBe(0);
    expect(m('/a/bc')).toBe(1);
    expect(m('/anything')).toBe(1);
  });

  it('returns the first entry in IR order among all matching candidates', () => {
    const m = route([
      { rule: 0, path: { type: 'Exact', value: '/foo/bar' } },
      { rule: 0, path: { type: 'PathPrefix', value: '/foo/bar' }, method: 'POST' },
      { rule: 0, path: { type: 'PathPrefix', value: '/foo' } },
      { rule: 0, path: { type: 'RegularExpression', value: '/foo/.*' } },
      { rule: 0, path: { type: 'PathPrefix', value: '/' } },
    ]);
    expect(m('/foo/bar')).toBe(0);
    expect(m('/foo/bar/x', { method: 'POST' })).toBe(1);
    expect(m('/foo/bar/x')).toBe(2);
    expect(m('/foo')).toBe(2);
    expect(m('/other')).toBe(4);
  });

  it('lets an earlier regex win over a later prefix, and anchors regexes', () => {
    const m = route([
      { rule: 0, path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } },
      { rule: 0, path: { type: 'PathPrefix', value: '/v1' } },
      { rule: 0, path: { type: 'RegularExpression', value: '/x' } },
    ]);
    expect(m('/v1/items')).toBe(0);
    expect(m('/v1')).toBe(1);
    expect(m('/x')).toBe(2);
    expect(m('/xy')).toBeNull();
    expect(m('/a/x')).toBeNull();
  });

  it('matches Exact paths only exactly', () => {
    const m = route([{ rule: 0, path: { type: 'Exact', value: '/exact' } }]);
    expect(m('/exact')).toBe(0);
    expect(m('/exact/')).toBeNull();
  });

  it('matches methods, headers (case-insensitive names, first value, regex) and query params (exact names)', () => {
    const m = route([
      {
        rule: 0,
        path: { type: 'PathPrefix', value: '/' },
        method: 'GET',
        headers: [
          { type: 'Exact', name: 'version', value: 'two' },
          { type: 'RegularExpression', name: 'x-color', value: 'red|blue' },
        ],
      },
      { rule: 0, path: { type: 'PathPrefix', value: '/' }, queryParams: [{ type: 'Exact', name: 'Animal', value: 'whale' }] },
      { rule: 0, path: { type: 'PathPrefix', value: '/' }, queryParams: [{ type: 'RegularExpression', name: 'n', value: '[0-9]+' }] },
      { rule: 0, path: { type: 'PathPrefix', value: '/' }, method: 'DELETE' },
    ]);
    expect(m('/', { headers: { Version: 'two', 'X-Color': 'blue' } })).toBe(0);
    expect(m('/', { method: 'POST', headers: { Version: 'two', 'X-Color': 'blue' } })).toBeNull();
    expect(m('/', { headers: { version: 'two', 'x-color': 'bluegreen' } })).toBeNull();
    expect(m('/', { headers: { version: 'three', 'x-color': 'red' } })).toBeNull();
    // Repeated header: the first value counts.
    expect(m('/', { headers: { version: 'two', 'x-color': 'red' } })).toBe(0);
    expect(firstHeader(['A', '1', 'a', '2'], 'a')).toBe('1');
    expect(m('/', { query: 'Animal=whale&x=1' })).toBe(1);
    expect(m('/', { query: 'animal=whale' })).toBeNull();
    expect(m('/', { query: 'n=42' })).toBe(2);
    expect(m('/', { query: 'n=4a' })).toBeNull();
    expect(m('/', { method: 'DELETE' })).toBe(3);
  });

  it('lets an earlier exact entry win over many later catch-all regexes, and scales to many prefixes', () => {
    const matches: MatchEntry[] = [{ rule: 0, path: { type: 'Exact', value: '/a' } }];
    for (let i = 0; i < 50; i++) matches.push({ rule: 0, path: { type: 'RegularExpression', value: '.*' } });
    const router = compileRouter(matches, ['r']);
    expect(router.match('GET', '/a', null, req())?.index).toBe(0);
    // 1000 prefix entries under distinct segments: the lookup only visits its own.
    const many: MatchEntry[] = [];
    for (let i = 0; i < 1000; i++) many.push({ rule: 0, path: { type: 'PathPrefix', value: `/p${i}` } });
    const big = compileRouter(many, ['r']);
    expect(big.match('GET', '/p999/x', null, req())?.index).toBe(999);
    expect(big.match('GET', '/p1000', null, req())).toBeNull();
  });
});

describe('normalizePath', () => {
  it('decodes unreserved escapes, keeps %2F encoded, upper-cases hex, removes dot segments', () => {
    expect(normalizePath('/a/b')).toBe('/a/b');
    expect(normalizePath('/%61%62c')).toBe('/abc');
    expect(normalizePath('/a%2fb')).toBe('/a%2Fb');
    expect(normalizePath('/a%20b')).toBe('/a%20b');
    expect(normalizePath('/a/./b/../c')).toBe('/a/c');
    expect(normalizePath('/../../x')).toBe('/x');
    expect(normalizePath('/a/%2e%2e/b')).toBe('/b');
    expect(normalizePath('/a/..')).toBe('/');
    expect(normalizePath('/a.b/c..d')).toBe('/a.b/c..d');
    expect(normalizePath('/bad%zz')).toBeNull();
    expect(normalizePath('nope')).toBeNull();
  });

  it('routes percent-encoded requests like their decoded form', () => {
    const m = route([{ rule: 0, path: { type: 'PathPrefix', value: '/foo' } }]);
    expect(m(normalizePath('/%66oo/bar')!)).toBe(0);
    expect(m(normalizePath('/foo%2Fbar')!)).toBeNull();
  });
});

describe('HostTable', () => {
  it('prefers exact, then the longest wildcard, then the catch-all', () => {
    const t = new HostTable<string>();
    t.add('*.example.com', 'wild');
    t.add('*.b.example.com', 'wild-b');
    t.add('a.example.com', 'exact');
    t.add(undefined, 'any');
    expect(t.lookup('a.example.com')).toBe('exact');
    expect(t.lookup('x.example.com')).toBe('wild');
    expect(t.lookup('x.y.example.com')).toBe('wild');
    expect(t.lookup('x.b.example.com')).toBe('wild-b');
    expect(t.lookup('example.com')).toBe('any');
    expect(t.lookup('other.org')).toBe('any');
  });

  it('keeps the first entry for a repeated name', () => {
    const t = new HostTable<string>();
    t.add('a.example.com', 'first');
    t.add('a.example.com', 'second');
    expect(t.lookup('a.example.com')).toBe('first');
    expect(new HostTable<string>().lookup('x')).toBeUndefined();
  });

  it('copies itself with some slots replaced, leaving the original as it was', () => {
    const t = new HostTable<string>();
    t.add('a.example.com', 'a');
    t.add('*.example.com', 'wild');
    t.add('B.example.com', 'b');
    t.add('b.example.com', 'b-second');
    const u = t.withEntries([
      [HostTable.slotOf('B.EXAMPLE.com'), 'b2'],
      [HostTable.slotOf('*.example.com'), 'wild2'],
      [HostTable.slotOf(undefined), 'any2'],
    ]);
    expect([u.lookup('a.example.com'), u.lookup('b.example.com'), u.lookup('x.example.com'), u.lookup('other.org')]).toEqual(['a', 'b2', 'wild2', 'any2']);
    expect([t.lookup('a.example.com'), t.lookup('b.example.com'), t.lookup('x.example.com'), t.lookup('other.org')]).toEqual(['a', 'b', 'wild', undefined]);
    // Same order of entries as a table built with the new values.
    expect(u.values()).toEqual(['a', 'b2', 'wild2', 'any2']);
  });

  it('parses Host values', () => {
    expect(hostWithoutPort('Example.COM:8080')).toBe('example.com');
    expect(hostWithoutPort('example.com.')).toBe('example.com');
    expect(hostWithoutPort('[::1]:80')).toBe('[::1]');
    expect(hostWithoutPort(undefined)).toBe('');
  });
});
