import { describe, expect, it } from 'vitest';
import type { MatchEntry } from '@portway/ir';
import { anchored, compileRouter, firstHeader, normalizeRoutePath } from './router.js';

/** Deterministic pseudo-random numbers (repeatable test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The definition: the first entry, in IR order, whose path, method, headers and query all match. */
function reference(matches: readonly MatchEntry[], method: string, path: string, query: string | null, raw: string[]): number | null {
  const params = new URLSearchParams(query ?? '');
  for (const [i, m] of matches.entries()) {
    const v = normalizeRoutePath(m.path.type, m.path.value);
    const pathOk =
      m.path.type === 'Exact' ? path === v : m.path.type === 'PathPrefix' ? v === '/' || path === v || path.startsWith(`${v}/`) : anchored(m.path.value).test(path);
    if (!pathOk) continue;
    if (m.method !== undefined && m.method !== method) continue;
    if (!(m.headers ?? []).every((h) => firstHeader(raw, h.name.toLowerCase()) === h.value)) continue;
    if (!(m.queryParams ?? []).every((q) => params.get(q.name) === q.value)) continue;
    return i;
  }
  return null;
}

describe('Router against the definition of precedence', () => {
  const segs = ['', 'a', 'b', 'api', 'v1', 'x'];
  it('agrees on random tables (small and large buckets, root prefixes, regular expressions, conditions)', () => {
    const rnd = lcg(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const randomPath = () => `/${Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(segs)).join('/')}`;
    let checked = 0;
    for (let table = 0; table < 60; table++) {
      // Some tables put many entries under one first segment (large buckets), some few.
      const size = table % 3 === 0 ? 40 : 1 + Math.floor(rnd() * 10);
      const matches: MatchEntry[] = Array.from({ length: size }, (_, i) => {
        const kind = rnd();
        const path: MatchEntry['path'] =
          kind < 0.45 ? { type: 'PathPrefix', value: rnd() < 0.1 ? '/' : randomPath() } : kind < 0.9 ? { type: 'Exact', value: randomPath() } : { type: 'RegularExpression', value: `/${pick(segs)}.*` };
        return {
          rule: i,
          path,
          ...(rnd() < 0.2 ? { method: pick(['GET', 'POST']) } : {}),
          ...(rnd() < 0.2 ? { headers: [{ type: 'Exact' as const, name: 'X-Env', value: pick(['prod', 'dev']) }] } : {}),
          ...(rnd() < 0.2 ? { queryParams: [{ type: 'Exact' as const, name: 'q', value: pick(['1', '2']) }] } : {}),
        };
      });
      const router = compileRouter(matches, matches.map((_, i) => i));
      for (let r = 0; r < 200; r++) {
        const path = `${randomPath()}${rnd() < 0.1 ? '/' : ''}`;
        const method = pick(['GET', 'POST']);
        const query = rnd() < 0.5 ? `q=${pick(['1', '2'])}` : null;
        const raw = rnd() < 0.5 ? ['x-env', pick(['prod', 'dev'])] : [];
        expect(router.match(method, path, query, { rawHeaders: raw })?.index ?? null, `${method} ${path}?${query} ${raw.join(':')} in ${JSON.stringify(matches)}`).toBe(
          reference(matches, method, path, query, raw),
        );
        checked++;
      }
    }
    expect(checked).toBe(12_000);
  });

  it('parses each request its own query (nothing carried over from the previous one)', () => {
    const router = compileRouter<number>(
      [
        { rule: 0, path: { type: 'PathPrefix', value: '/' }, queryParams: [{ type: 'Exact', name: 'q', value: '1' }] },
        { rule: 1, path: { type: 'PathPrefix', value: '/' } },
      ],
      [0, 1],
    );
    expect(router.match('GET', '/x', 'q=1', { rawHeaders: [] })?.index).toBe(0);
    expect(router.match('GET', '/x', 'q=2', { rawHeaders: [] })?.index).toBe(1);
    expect(router.match('GET', '/x', null, { rawHeaders: [] })?.index).toBe(1);
    expect(router.match('GET', '/x', 'q=1', { rawHeaders: [] })?.index).toBe(0);
  });
});
