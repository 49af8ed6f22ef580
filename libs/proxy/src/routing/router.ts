/**
 * The per-virtual-host router: Exact and PathPrefix entries in buckets by their first path
 * segment (see `Router`), RegularExpression paths in an ordered list. Every candidate keeps its index in the IR's
 * `matches` list (which is in precedence order), and a request gets the lowest-index candidate
 * whose path, method, headers and query parameters all match: exactly the first entry in IR
 * order, without scanning the entries whose path cannot match.
 */
import type { MatchEntry, ValueMatch } from '@portway/ir';
import { normalizePath } from './path-normalize.js';

/** What the router reads from a request besides method and path. */
export interface HeaderCarrier {
  /** Node's raw header list: name, value, name, value... (names in any case). */
  readonly rawHeaders: readonly string[];
}

/** A compiled header or query-parameter condition. */
interface ValueCondition {
  readonly name: string;
  readonly exact: string | null;
  readonly re: RegExp | null;
}

interface Candidate<T> {
  readonly index: number;
  readonly entry: MatchEntry;
  readonly rule: T;
  readonly method: string | null;
  readonly headers: readonly ValueCondition[] | null;
  readonly query: readonly ValueCondition[] | null;
  /** RegularExpression path entries only. */
  readonly pathRe: RegExp | null;
  /** The normalized PathPrefix / Exact value, used by ReplacePrefixMatch. */
  readonly pathValue: string;
  /** An Exact entry (kept here so that matching does not read the IR entry). */
  readonly isExact: boolean;
}

/** The router's answer: the winning entry, its rule, and where it sits in the IR. */
export interface RouteMatch<T> {
  /** Index of the entry in `VirtualHost.matches`. */
  readonly index: number;
  readonly entry: MatchEntry;
  readonly rule: T;
  /** The entry's path value after normalization ("/" for the catch-all prefix). */
  readonly pathValue: string;
}

class PrefixNode<T> {
  readonly children = new Map<string, PrefixNode<T>>();
  readonly candidates: Candidate<T>[] = [];
}

/** Buckets holding more candidates than this get their own exact map and segment trie. */
const SMALL_BUCKET = 8;

/**
 * The Exact and PathPrefix entries whose path starts with one first segment ("/api/v1" and
 * "/api" → "api"; "/" → ""). A small bucket is scanned in index order, comparing each path in
 * place; a large one is indexed like a router of its own (exact map, then a trie of the
 * following segments).
 */
class Bucket<T> {
  /** Every entry of the bucket, in index order. */
  readonly list: Candidate<T>[] = [];
  exact: Map<string, Candidate<T>[]> | null = null;
  trie: PrefixNode<T> | null = null;
  constructor(readonly seg: string) {}
}

/** FNV-1a of `s[from, to)`, read in place. */
function hashRange(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** End of the first segment of a path ("/a/b" → 2, "/" → 1): the next "/" after the leading one, or the end. */
function firstSegmentEnd(path: string): number {
  const end = path.indexOf('/', 1);
  return end < 0 ? path.length : end;
}

/** Whether a normalized request path falls under a normalized PathPrefix value (a whole-segment prefix). */
function underPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}

/** Query parameters of the request being matched, parsed at most once and only if a candidate asks (no allocation otherwise). */
let currentQuery: string | null = null;
let currentParams: URLSearchParams | undefined;

/**
 * Compiled router of one virtual host. Immutable once built; safe to share between requests.
 *
 * Layout (flat, so that a request touches few objects and allocates nothing): PathPrefix "/"
 * entries in one list; every other Exact and PathPrefix entry in the bucket of its first path
 * segment, found through an open-addressing table of the segment's hash (the request's first
 * segment is hashed and compared in place, never sliced); RegularExpression entries in one
 * ordered list.
 */
export class Router<T> {
  private readonly rootPrefix: Candidate<T>[] = [];
  private readonly buckets: Bucket<T>[] = [];
  private readonly regex: Candidate<T>[] = [];
  /** Bucket index + 1 by hash of its segment (0: empty slot); length a power of two. */
  private slots = new Int32Array(2);
  private mask = 1;

  /** @internal use {@link compileRouter}. Entries must be added in index order. */
  add(c: Candidate<T>): void {
    const type = c.entry.path.type;
    if (type === 'RegularExpression') {
      this.regex.push(c);
    } else if (type === 'PathPrefix' && c.pathValue === '/') {
      this.rootPrefix.push(c);
    } else {
      const v = c.pathValue;
      const end = firstSegmentEnd(v);
      this.bucketFor(v, end, true)!.list.push(c);
    }
  }

  /** @internal the index of large buckets (after every `add`). */
  seal(): void {
    for (const b of this.buckets) {
      if (b.list.length <= SMALL_BUCKET) continue;
      b.exact = new Map();
      b.trie = new PrefixNode<T>();
      for (const c of b.list) {
        if (c.entry.path.type === 'Exact') {
          let list = b.exact.get(c.pathValue);
          if (list === undefined) b.exact.set(c.pathValue, (list = []));
          list.push(c);
          continue;
        }
        // "/seg/b/c" → the trie below this bucket's segment: "b", "c".
        let node = b.trie;
        const segs = c.pathValue.split('/');
        for (let i = 2; i < segs.length; i++) {
          const seg = segs[i]!;
          let next = node.children.get(seg);
          if (next === undefined) node.children.set(seg, (next = new PrefixNode<T>()));
          node = next;
        }
        node.candidates.push(c);
      }
    }
  }

  private bucketFor(path: string, end: number, create: boolean): Bucket<T> | undefined {
    const len = end - 1;
    let i = hashRange(path, 1, end) & this.mask;
    for (;;) {
      const slot = this.slots[i]!;
      if (slot === 0) break;
      const b = this.buckets[slot - 1]!;
      if (b.seg.length === len && path.startsWith(b.seg, 1)) return b;
      i = (i + 1) & this.mask;
    }
    if (!create) return undefined;
    const b = new Bucket<T>(path.slice(1, end));
    this.buckets.push(b);
    if (this.buckets.length * 2 > this.slots.length) this.rehash();
    else this.slots[i] = this.buckets.length;
    return b;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.buckets.forEach((b, k) => {
      let i = hashRange(b.seg, 0, b.seg.length) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = k + 1;
    });
  }

  /**
   * Finds the first entry (in IR order) that matches. `path` must be normalized (see
   * `normalizePath`) and without the query string; `query` is the raw query string without "?"
   * (or null).
   */
  match(method: string, path: string, query: string | null, req: HeaderCarrier): RouteMatch<T> | null {
    currentQuery = query;
    currentParams = undefined;
    let best: Candidate<T> | null = null;
    const end = firstSegmentEnd(path);
    const bucket = this.buckets.length > 0 ? this.bucketFor(path, end, false) : undefined;
    if (bucket !== undefined) {
      if (bucket.trie === null) {
        for (const c of bucket.list) {
          const v = c.pathValue;
          if (c.isExact ? path === v : underPrefix(path, v)) {
            if (conditionsMatch(c, method, req)) {
              best = c;
              break;
            }
          }
        }
      } else {
        best = this.matchLarge(bucket, path, end, method, req);
      }
    }
    if (this.rootPrefix.length > 0) best = firstMatching(this.rootPrefix, best, method, req);
    for (const c of this.regex) {
      if (best !== null && c.index >= best.index) break;
      if (c.pathRe!.test(path) && conditionsMatch(c, method, req)) {
        best = c;
        break;
      }
    }
    return best;
  }

  private matchLarge(bucket: Bucket<T>, path: string, end: number, method: string, req: HeaderCarrier): Candidate<T> | null {
    let best: Candidate<T> | null = null;
    const exactList = bucket.exact!.get(path);
    if (exactList !== undefined) best = firstMatching(exactList, best, method, req);
    let node: PrefixNode<T> | undefined = bucket.trie!;
    if (node.candidates.length > 0) best = firstMatching(node.candidates, best, method, req);
    let start = end + 1;
    while (start <= path.length) {
      let next = path.indexOf('/', start);
      if (next < 0) next = path.length;
      if (next === start && next === path.length) break; // trailing "/": nothing more to match
      node = node.children.get(path.slice(start, next));
      if (node === undefined) break;
      if (node.candidates.length > 0) best = firstMatching(node.candidates, best, method, req);
      start = next + 1;
    }
    return best;
  }
}

function firstMatching<T>(list: readonly Candidate<T>[], best: Candidate<T> | null, method: string, req: HeaderCarrier): Candidate<T> | null {
  for (const c of list) {
    if (best !== null && c.index >= best.index) return best;
    if (conditionsMatch(c, method, req)) return c;
  }
  return best;
}

function conditionsMatch<T>(c: Candidate<T>, method: string, req: HeaderCarrier): boolean {
  if (c.method !== null && c.method !== method) return false;
  if (c.headers !== null) {
    for (const h of c.headers) {
      const v = firstHeader(req.rawHeaders, h.name);
      if (v === undefined || !valueMatches(h, v)) return false;
    }
  }
  if (c.query !== null) {
    const params = (currentParams ??= new URLSearchParams(currentQuery ?? ''));
    for (const p of c.query) {
      const v = params.get(p.name);
      if (v === null || !valueMatches(p, v)) return false;
    }
  }
  return true;
}

function valueMatches(cond: ValueCondition, value: string): boolean {
  return cond.exact !== null ? cond.exact === value : cond.re!.test(value);
}

/**
 * The first value of a header (case-insensitive name, `lowerName` already lower-case). When a
 * header is repeated, only its first field line counts for matching.
 */
export function firstHeader(raw: readonly string[], lowerName: string): string | undefined {
  const len = lowerName.length;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === len && (n === lowerName || n.toLowerCase() === lowerName)) return raw[i + 1];
  }
  return undefined;
}

function compileValue(m: ValueMatch, lowerCaseName: boolean): ValueCondition {
  return {
    name: lowerCaseName ? m.name.toLowerCase() : m.name,
    exact: m.type === 'Exact' ? m.value : null,
    re: m.type === 'RegularExpression' ? anchored(m.value) : null,
  };
}

/** A RegularExpression from the IR must match the whole value. */
export function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`);
}

/** The normalized form of a route's path value (PathPrefix without its trailing slash). */
export function normalizeRoutePath(type: MatchEntry['path']['type'], value: string): string {
  if (type === 'RegularExpression') return value;
  let v = normalizePath(value.startsWith('/') ? value : `/${value}`) ?? value;
  if (type === 'PathPrefix') while (v.length > 1 && v.endsWith('/')) v = v.slice(0, -1);
  return v;
}

/**
 * Compiles a virtual host's `matches` (in precedence order) against its compiled `rules`.
 * Throws on an invalid regular expression (the IR validator rejects those first).
 */
export function compileRouter<T>(matches: readonly MatchEntry[], rules: readonly T[]): Router<T> {
  const router = new Router<T>();
  matches.forEach((entry, index) => {
    const rule = rules[entry.rule];
    if (rule === undefined) throw new Error(`match ${index} refers to rule ${entry.rule}, which does not exist`);
    router.add({
      index,
      entry,
      rule,
      method: entry.method ?? null,
      headers: entry.headers?.length ? entry.headers.map((h) => compileValue(h, true)) : null,
      query: entry.queryParams?.length ? entry.queryParams.map((p) => compileValue(p, false)) : null,
      pathRe: entry.path.type === 'RegularExpression' ? anchored(entry.path.value) : null,
      pathValue: normalizeRoutePath(entry.path.type, entry.path.value),
      isExact: entry.path.type === 'Exact',
    });
  });
  router.seal();
  return router;
}
