/**
 * The per-virtual-host router: Exact and PathPrefix entries in buckets by the hash of their
 * first path segment (see `Router`), RegularExpression paths in an ordered list. Every candidate keeps its index in the IR's
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
  /** No method, header or query condition: the path decides alone. */
  readonly unconditional: boolean;
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

/*
 * A path key: what a small bucket knows of each entry's path, packed in one int, so that the
 * entries whose path cannot match are passed over without reading their objects or strings
 * (each a likely cache miss on a large table). Bits 0-10: length; bit 11: Exact; bits 12-15:
 * number of "/" in the path; bit 16: no key (path too long or too deep: compare the strings).
 */
const KEY_LEN_MAX = 0x7ff;
const KEY_EXACT = 0x800;
const KEY_SLASHES_SHIFT = 12;
/** Most "/" a keyed path may hold; also how many prefix hashes a request records. */
const KEY_SLASHES_MAX = 15;
const KEY_NONE = 0x10000;

/**
 * The Exact and PathPrefix entries whose first segment (with its leading "/") has one hash
 * ("/api/v1" and "/api" → hash of "/api"; "/" → hash of "/"). The segment itself is not kept: two
 * segments whose hashes collide share a bucket, and each entry's own full-path comparison tells
 * them apart. A small bucket gets each entry's path key and path hash (`keys`: key, hash, key,
 * hash...; `seal` lays them out beside the entries in the router's table), compared with the
 * request's prefix hashes before any string; a large one is indexed like a router of its own
 * (exact map, then a trie of the segments from the first one).
 */
class Bucket<T> {
  /** Every entry of the bucket, in index order. */
  readonly list: Candidate<T>[] = [];
  /** Per entry of `list`: its path key and its path hash (small buckets, after `seal`; small integers). */
  keys: readonly number[] = EMPTY_KEYS;
  exact: Map<string, Candidate<T>[]> | null = null;
  trie: PrefixNode<T> | null = null;
  constructor(readonly hash: number) {}
}

const EMPTY_KEYS: readonly number[] = [];

/** A cell of a router's table: a slot's offset, a hash or key (small integers), an entry, a large bucket. */
type TableCell<T> = number | Candidate<T> | Bucket<T> | null;

/** FNV-1a of `s[from, to)`, read in place, cut to 30 bits (a small integer, stored unboxed). */
function hashRange(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** @internal the hash under which a path's first segment is bucketed (tests build collisions with it). */
export function firstSegmentHash(path: string): number {
  return hashRange(path, 0, firstSegmentEnd(path));
}

/** End of the first segment of a path ("/a/b" → 2, "/" → 1): the next "/" after the leading one, or the end. */
function firstSegmentEnd(path: string): number {
  const end = path.indexOf('/', 1);
  return end < 0 ? path.length : end;
}

/** The path key of a normalized Exact or PathPrefix value (see KEY_*). */
function pathKey(value: string, exact: boolean): number {
  let slashes = 0;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) === 47) slashes++;
  if (value.length > KEY_LEN_MAX || slashes > KEY_SLASHES_MAX) return KEY_NONE;
  return value.length | (exact ? KEY_EXACT : 0) | (slashes << KEY_SLASHES_SHIFT);
}

/**
 * The request's whole-segment prefixes, recorded by `recordPrefixes`: prefix `n` is the path up
 * to (not including) its (n+1)th "/", or the whole path; `prefixLen[n]` its length and
 * `prefixHash[n]` its hash (n = 1 .. prefixCount). A prefix with n "/" is the only one an entry
 * path with n "/" can equal. Reused by every request (no allocation).
 */
const prefixLen = new Int32Array(KEY_SLASHES_MAX + 1);
const prefixHash = new Int32Array(KEY_SLASHES_MAX + 1);
let prefixCount = 0;

/** One pass over the path (it starts with "/"): the hashes of its first `depth` (≤ KEY_SLASHES_MAX) whole-segment prefixes. */
function recordPrefixes(path: string, depth: number): void {
  let h = Math.imul(0x811c9dc5 ^ 47, 0x01000193);
  let n = 0;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 47) {
      n++;
      prefixLen[n] = i;
      prefixHash[n] = h & 0x3fffffff;
      if (n === depth) {
        prefixCount = n;
        return;
      }
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  n++;
  prefixLen[n] = path.length;
  prefixHash[n] = h & 0x3fffffff;
  prefixCount = n;
}

/** Whether a normalized request path falls under a normalized PathPrefix value (a whole-segment prefix). */
function underPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47);
}

/** Whether a normalized request path matches an Exact or PathPrefix (other than "/") candidate. */
function pathMatches<T>(c: Candidate<T>, path: string): boolean {
  return c.isExact ? path === c.pathValue : underPrefix(path, c.pathValue);
}

/** Query parameters of the request being matched, parsed at most once and only if a candidate asks (no allocation otherwise). */
let currentQuery: string | null = null;
let currentParams: URLSearchParams | undefined;

/**
 * Compiled router of one virtual host. Immutable once built; safe to share between requests.
 *
 * Layout (flat, so that a request touches few objects and allocates nothing): PathPrefix "/"
 * entries in one list; every other Exact and PathPrefix entry in the bucket of its first path
 * segment's hash, found in an open-addressing table of buckets (the request's path is hashed in
 * place in one pass, never sliced); RegularExpression entries in one ordered list. Empty lists
 * are null, so that a request does not read them.
 */
export class Router<T> {
  private rootPrefix: Candidate<T>[] | null = null;
  private regex: Candidate<T>[] | null = null;
  /**
   * Every bucket in one array, so that a request reads one object's elements, mostly in one page:
   * first the slots, `mask + 1` of them (a power of two; hash & mask, then the next ones), each
   * the offset of its bucket's record in this array or 0 (empty); then the records:
   * `hash, n, large, key, pathHash, entry` × n for a small bucket (see `matchSmall`), and
   * `hash, 0, bucket` for a large one (see `matchLarge`).
   */
  private table: readonly TableCell<T>[] = [];
  private mask = 0;
  private count = 0;
  /** The most "/" in a keyed entry path: how many prefixes `recordPrefixes` needs. */
  private depth = 1;
  /** Compile time only: the buckets by hash, until `seal` lays them out in `slots`. */
  private building: Map<number, Bucket<T>> | null = new Map();

  /** @internal use {@link compileRouter}. Entries must be added in index order. */
  add(c: Candidate<T>): void {
    const type = c.entry.path.type;
    if (type === 'RegularExpression') {
      (this.regex ??= []).push(c);
    } else if (type === 'PathPrefix' && c.pathValue === '/') {
      (this.rootPrefix ??= []).push(c);
    } else {
      const hash = firstSegmentHash(c.pathValue);
      const building = this.building!;
      let b = building.get(hash);
      if (b === undefined) building.set(hash, (b = new Bucket<T>(hash)));
      b.list.push(c);
    }
  }

  /** @internal the keys of small buckets and the index of large ones (after every `add`). */
  seal(): void {
    const buckets = this.building!;
    this.building = null;
    this.count = buckets.size;
    // A table at most half full, so that a probe ends soon at an empty slot.
    let size = 2;
    while (size < buckets.size * 2) size *= 2;
    const table: TableCell<T>[] = new Array<TableCell<T>>(size).fill(0);
    this.mask = size - 1;
    for (const b of buckets.values()) {
      let i = b.hash & this.mask;
      while (table[i] !== 0) i = (i + 1) & this.mask;
      table[i] = table.length;
      this.index(b);
      if (b.trie !== null) {
        table.push(b.hash, 0, b);
        continue;
      }
      table.push(b.hash, b.list.length, null);
      for (let k = 0; k < b.list.length; k++) {
        const key = b.keys[2 * k]!;
        if (key !== KEY_NONE) this.depth = Math.max(this.depth, key >>> KEY_SLASHES_SHIFT);
        table.push(key, b.keys[2 * k + 1]!, b.list[k]!);
      }
    }
    this.table = table;
  }

  /** The keys of a small bucket, the exact map and trie of a large one. */
  private index(b: Bucket<T>): void {
    const list = b.list;
    if (list.length <= SMALL_BUCKET) {
      const keys: number[] = [];
      for (let k = 0; k < list.length; k++) {
        const v = list[k]!.pathValue;
        keys.push(pathKey(v, list[k]!.isExact), hashRange(v, 0, v.length));
      }
      b.keys = keys;
      return;
    }
    b.exact = new Map();
    b.trie = new PrefixNode<T>();
    for (const c of b.list) {
      if (c.isExact) {
        let list = b.exact.get(c.pathValue);
        if (list === undefined) b.exact.set(c.pathValue, (list = []));
        list.push(c);
        continue;
      }
      // "/a/b/c" → the trie's "a", "b", "c" (the first segment too: a bucket may hold several).
      let node = b.trie;
      const segs = c.pathValue.split('/');
      for (let i = 1; i < segs.length; i++) {
        const seg = segs[i]!;
        let next = node.children.get(seg);
        if (next === undefined) node.children.set(seg, (next = new PrefixNode<T>()));
        node = next;
      }
      node.candidates.push(c);
    }
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
    if (this.count > 0) {
      recordPrefixes(path, this.depth);
      const hash = prefixHash[1]!;
      const table = this.table;
      const mask = this.mask;
      let i = hash & mask;
      let at = table[i] as number;
      while (at !== 0 && table[at] !== hash) {
        i = (i + 1) & mask;
        at = table[i] as number;
      }
      if (at !== 0) {
        const large = table[at + 2] as Bucket<T> | null;
        best = large === null ? matchSmall(table, at, path, method, req) : matchLarge(large, path, method, req);
      }
    }
    if (this.rootPrefix !== null) best = firstMatching(this.rootPrefix, best, method, req);
    const regex = this.regex;
    if (regex !== null) {
      for (let k = 0; k < regex.length; k++) {
        const c = regex[k]!;
        if (best !== null && c.index >= best.index) break;
        if (c.pathRe!.test(path) && conditionsMatch(c, method, req)) {
          best = c;
          break;
        }
      }
    }
    return best;
  }
}

/**
 * A small bucket (its record at `at` in a router's table), in index order: an entry is read only
 * when its path key and hash agree with the request's prefix of as many "/" (then its path string
 * is compared, as hashes may collide). `recordPrefixes` has run for this path.
 */
function matchSmall<T>(table: readonly TableCell<T>[], at: number, path: string, method: string, req: HeaderCarrier): Candidate<T> | null {
  const end = at + 3 + 3 * (table[at + 1] as number);
  for (let j = at + 3; j < end; j += 3) {
    const key = table[j] as number;
    if (key !== KEY_NONE) {
      const slashes = key >>> KEY_SLASHES_SHIFT;
      if (slashes > prefixCount) continue;
      const len = key & KEY_LEN_MAX;
      if (prefixLen[slashes] !== len || prefixHash[slashes] !== table[j + 1]) continue;
      if ((key & KEY_EXACT) !== 0 && len !== path.length) continue;
    }
    const c = table[j + 2] as Candidate<T>;
    if (pathMatches(c, path) && (c.unconditional || conditionsMatch(c, method, req))) return c;
  }
  return null;
}

/** A large bucket: its exact map, then its trie walked along the request's segments. */
function matchLarge<T>(bucket: Bucket<T>, path: string, method: string, req: HeaderCarrier): Candidate<T> | null {
  let best: Candidate<T> | null = null;
  const exactList = bucket.exact!.get(path);
  if (exactList !== undefined) best = firstMatching(exactList, best, method, req);
  let node: PrefixNode<T> | undefined = bucket.trie!;
  let start = 1;
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

function firstMatching<T>(list: readonly Candidate<T>[], best: Candidate<T> | null, method: string, req: HeaderCarrier): Candidate<T> | null {
  for (let k = 0; k < list.length; k++) {
    const c = list[k]!;
    if (best !== null && c.index >= best.index) return best;
    if (conditionsMatch(c, method, req)) return c;
  }
  return best;
}

function conditionsMatch<T>(c: Candidate<T>, method: string, req: HeaderCarrier): boolean {
  if (c.method !== null && c.method !== method) return false;
  const headers = c.headers;
  if (headers !== null) {
    const raw = req.rawHeaders;
    for (let k = 0; k < headers.length; k++) {
      const h = headers[k]!;
      const v = firstHeader(raw, h.name);
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

/**
 * Compiled condition lists shared by every router of the process: the same list of conditions
 * (e.g. one header match repeated by thousands of routes) is one set of objects, which stays in
 * the CPU cache instead of one cold copy per route. The lists are immutable (a RegExp without
 * the g or y flag keeps no state between tests). Bounded: emptied when it grows past
 * {@link SHARED_CONDITIONS_MAX} distinct lists (only sharing is lost, never correctness).
 */
const sharedConditions = new Map<string, readonly ValueCondition[]>();
const SHARED_CONDITIONS_MAX = 4096;

function compileValues(list: readonly ValueMatch[] | undefined, lowerCaseName: boolean): readonly ValueCondition[] | null {
  if (list === undefined || list.length === 0) return null;
  // Length-prefixed fields: no two different lists share a key, whatever their characters.
  let key = lowerCaseName ? 'h' : 'q';
  for (const m of list) key += `${m.type}:${m.name.length}:${m.name}${m.value.length}:${m.value}`;
  let shared = sharedConditions.get(key);
  if (shared === undefined) {
    if (sharedConditions.size >= SHARED_CONDITIONS_MAX) sharedConditions.clear();
    shared = Object.freeze(list.map((m) => Object.freeze(compileValue(m, lowerCaseName))));
    sharedConditions.set(key, shared);
  }
  return shared;
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
    const method = entry.method ?? null;
    const headers = compileValues(entry.headers, true);
    const query = compileValues(entry.queryParams, false);
    router.add({
      index,
      entry,
      rule,
      method,
      headers,
      query,
      pathRe: entry.path.type === 'RegularExpression' ? anchored(entry.path.value) : null,
      pathValue: normalizeRoutePath(entry.path.type, entry.path.value),
      isExact: entry.path.type === 'Exact',
      unconditional: method === null && headers === null && query === null,
    });
  });
  router.seal();
  return router;
}
