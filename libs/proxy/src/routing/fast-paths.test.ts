/**
 * The router's and path normalization's fast paths: a request that must leave them (a bucket
 * shared by two segments whose hashes collide, a bucket's first entry refused on a condition,
 * a path with "/." that is not a dot segment, shared condition lists) still gets the answer of
 * the general path.
 */
import { describe, expect, it } from 'vitest';
import type { MatchEntry } from '@portway/ir';
import { compileRouter, firstSegmentHash } from './router.js';
import { hostWithoutPort } from './host-table.js';
import { normalizePath } from './path-normalize.js';

/** Two different first segments with the same bucket hash (bounded search). */
function collidingSegments(): [string, string] {
  // Sequential names do not collide (FNV spreads them well); pseudo-random letters do soon.
  let state = 1;
  const letter = () => String.fromCharCode(97 + (((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 27) % 26));
  const seen = new Map<number, string>();
  for (let i = 0; i < 500_000; i++) {
    const seg = Array.from({ length: 8 }, letter).join('');
    if (seen.get(firstSegmentHash(`/${seg}`)) === seg) continue;
    const h = firstSegmentHash(`/${seg}`);
    const other = seen.get(h);
    if (other !== undefined) return [other, seg];
    seen.set(h, seg);
  }
  throw new Error('no collision found within the bound');
}

const at = (router: ReturnType<typeof compileRouter<number>>, path: string, headers: string[] = [], method = 'GET') =>
  router.match(method, path, null, { rawHeaders: headers })?.index ?? null;

describe('router buckets keyed by segment hash', () => {
  const [a, b] = collidingSegments();

  it('finds two colliding segments', () => {
    expect(a).not.toBe(b);
    expect(firstSegmentHash(`/${a}/x`)).toBe(firstSegmentHash(`/${b}`));
  });

  it('tells colliding segments apart in a small bucket', () => {
    const matches: MatchEntry[] = [
      { rule: 0, path: { type: 'PathPrefix', value: `/${a}/x` } },
      { rule: 1, path: { type: 'Exact', value: `/${b}` } },
      { rule: 2, path: { type: 'PathPrefix', value: `/${b}/x` } },
    ];
    const router = compileRouter(matches, [0, 1, 2]);
    expect(at(router, `/${a}/x/y`)).toBe(0);
    expect(at(router, `/${b}/x/y`)).toBe(2);
    expect(at(router, `/${b}`)).toBe(1);
    expect(at(router, `/${a}`)).toBeNull();
    expect(at(router, `/${b}/y`)).toBeNull();
  });

  it('tells colliding segments apart in a large bucket (exact map and trie)', () => {
    const matches: MatchEntry[] = [];
    for (let i = 0; i < 6; i++) {
      matches.push({ rule: 0, path: { type: 'PathPrefix', value: `/${a}/p${i}` } });
      matches.push({ rule: 0, path: { type: 'Exact', value: `/${b}/e${i}` } });
    }
    matches.push({ rule: 0, path: { type: 'PathPrefix', value: `/${b}` } });
    const router = compileRouter(matches, [0]);
    expect(at(router, `/${a}/p3/z`)).toBe(6);
    expect(at(router, `/${b}/p3/z`)).toBe(12);
    expect(at(router, `/${b}/e2`)).toBe(5);
    expect(at(router, `/${a}/e2`)).toBeNull();
    expect(at(router, `/${a}`)).toBeNull();
  });
});

describe("a bucket's first entry", () => {
  it('falls through to the next entries when its path or conditions refuse the request', () => {
    const router = compileRouter<number>(
      [
        { rule: 0, path: { type: 'PathPrefix', value: '/api' }, headers: [{ type: 'Exact', name: 'X-Env', value: 'prod' }] },
        { rule: 1, path: { type: 'Exact', value: '/api/health' }, method: 'GET' },
        { rule: 2, path: { type: 'PathPrefix', value: '/api' } },
      ],
      [0, 1, 2],
    );
    expect(at(router, '/api/x', ['x-env', 'prod'])).toBe(0);
    expect(at(router, '/api/x', ['X-ENV', 'prod'])).toBe(0);
    expect(at(router, '/api/x', ['x-env', 'dev'])).toBe(2);
    expect(at(router, '/api/health')).toBe(1);
    expect(at(router, '/api/health', [], 'POST')).toBe(2);
    expect(at(router, '/apix')).toBeNull();
  });
});

describe('small buckets compare path keys before paths', () => {
  it('matches deep and long paths (past what a key holds) like short ones', () => {
    const deep = `/d${'/x'.repeat(20)}`;
    const long = `/l/${'y'.repeat(3000)}`;
    const router = compileRouter<number>(
      [
        { rule: 0, path: { type: 'Exact', value: deep } },
        { rule: 1, path: { type: 'PathPrefix', value: `/d${'/x'.repeat(14)}` } },
        { rule: 2, path: { type: 'PathPrefix', value: long } },
        { rule: 3, path: { type: 'Exact', value: '/l/' } },
        { rule: 4, path: { type: 'PathPrefix', value: '/l' } },
      ],
      [0, 1, 2, 3, 4],
    );
    expect(at(router, deep)).toBe(0);
    expect(at(router, `${deep}/x`)).toBe(1);
    expect(at(router, `/d${'/x'.repeat(14)}`)).toBe(1);
    expect(at(router, `/d${'/x'.repeat(13)}`)).toBeNull();
    expect(at(router, `${long}/z`)).toBe(2);
    expect(at(router, `${long}z`)).toBe(4);
    expect(at(router, '/l/')).toBe(3);
    expect(at(router, '/l')).toBe(4);
    expect(at(router, '/lx')).toBeNull();
  });

  it('tells apart paths of the same length and depth', () => {
    const router = compileRouter<number>(
      [
        { rule: 0, path: { type: 'Exact', value: '/a/bc' } },
        { rule: 1, path: { type: 'PathPrefix', value: '/a/bd' } },
        { rule: 2, path: { type: 'PathPrefix', value: '/a' } },
      ],
      [0, 1, 2],
    );
    expect(at(router, '/a/bc')).toBe(0);
    expect(at(router, '/a/bc/x')).toBe(2);
    expect(at(router, '/a/bd/x')).toBe(1);
    expect(at(router, '/a/be')).toBe(2);
    expect(at(router, '/')).toBeNull();
  });
});

describe('condition lists shared between routers', () => {
  it('gives each router the answer of its own conditions', () => {
    const header = (value: string): MatchEntry['headers'] => [{ type: 'Exact', name: 'x-env', value }];
    const regex: MatchEntry['headers'] = [{ type: 'RegularExpression', name: 'x-env', value: 'pr.d' }];
    const one = compileRouter<number>([{ rule: 0, path: { type: 'PathPrefix', value: '/a' }, headers: header('prod') }], [0]);
    const two = compileRouter<number>([{ rule: 0, path: { type: 'PathPrefix', value: '/a' }, headers: header('dev') }], [0]);
    const three = compileRouter<number>([{ rule: 0, path: { type: 'PathPrefix', value: '/a' }, headers: regex }], [0]);
    const again = compileRouter<number>([{ rule: 0, path: { type: 'PathPrefix', value: '/a' }, headers: header('prod') }], [0]);
    for (const r of [one, again]) expect([at(r, '/a', ['x-env', 'prod']), at(r, '/a', ['x-env', 'dev'])]).toEqual([0, null]);
    expect([at(two, '/a', ['x-env', 'prod']), at(two, '/a', ['x-env', 'dev'])]).toEqual([null, 0]);
    expect([at(three, '/a', ['x-env', 'prod']), at(three, '/a', ['x-env', 'prid']), at(three, '/a', ['x-env', 'xprod'])]).toEqual([0, 0, null]);
  });
});

describe('normalizePath fast path', () => {
  it('keeps paths with "/." that are not dot segments, and still removes real ones', () => {
    expect(normalizePath('/.well-known/acme')).toBe('/.well-known/acme');
    expect(normalizePath('/a/.b/..c')).toBe('/a/.b/..c');
    expect(normalizePath('/.well-known/./x/../y')).toBe('/.well-known/y');
    expect(normalizePath('/a/.')).toBe('/a/');
    expect(normalizePath('/a/b/..')).toBe('/a/');
    expect(normalizePath('/a%2e/b')).toBe('/a./b');
  });

  it('returns the very string when nothing changes', () => {
    const p = ['/items', String(Date.now() % 7)].join('/');
    expect(normalizePath(p)).toBe(p);
  });
});

describe('hostWithoutPort', () => {
  it('lower-cases only when needed and keeps the host otherwise', () => {
    expect(hostWithoutPort('Tenant-1.Bench.TEST')).toBe('tenant-1.bench.test');
    expect(hostWithoutPort('tenant-1.bench.test:80')).toBe('tenant-1.bench.test');
    expect(hostWithoutPort('[::FFFF:7f00:1]:443')).toBe('[::ffff:7f00:1]');
  });
});
