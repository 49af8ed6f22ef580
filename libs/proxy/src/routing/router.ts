/**
 * The per-virtual-host router: Exact paths in a Map, PathPrefix values in a segment trie,
 * RegularExpression paths in an ordered list. Every candidate keeps its index in the IR's
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

/** Compiled router of one virtual host. Immutable once built; safe to share between requests. */
export class Router<T> {
  private readonly exact = new Map<string, Candidate<T>[]>();
  private readonly prefixRoot = new PrefixNode<T>();
  private readonly regex: Candidate<T>[] = [];
  private hasPrefixes = false;

  /** @internal use {@link compileRouter}. */
  add(c: Candidate<T>): void {
    const type = c.entry.path.type;
    if (type === 'Exact') {
      let list = this.exact.get(c.pathValue);
      if (list === undefined) this.exact.set(c.pathValue, (list = []));
      list.push(c);
    } else if (type === 'PathPrefix') {
      let node = this.prefixRoot;
      if (c.pathValue !== '/') {
        // "/a/b" → segments "a", "b" (the leading "" is the root).
        const segs = c.pathValue.split('/');
        for (let i = 1; i < segs.length; i++) {
          const seg = segs[i]!;
          let next = node.children.get(seg);
          if (next === undefined) node.children.set(seg, (next = new PrefixNode<T>()));
          node = next;
        }
      }
      node.candidates.push(c);
      this.hasPrefixes = true;
    } else {
      this.regex.push(c);
    }
  }

  /**
   * Finds the first entry (in IR order) that matches. `path` must be normalized (see
   * `normalizePath`) and without the query string; `query` is the raw query string without "?"
   * (or null).
   */
  match(method: string, path: string, query: string | null, req: HeaderCarrier): RouteMatch<T> | null {
    const q: QueryCache = { query, params: undefined };
    let best: Candidate<T> | null = null;
    const exactList = this.exact.get(path);
    if (exactList !== undefined) best = firstMatching(exactList, best, method, req, q);
    if (this.hasPrefixes) {
      let node: PrefixNode<T> | undefined = this.prefixRoot;
      if (node.candidates.length > 0) best = firstMatching(node.candidates, best, method, req, q);
      let start = 1;
      while (start <= path.length) {
        let end = path.indexOf('/', start);
        if (end < 0) end = path.length;
        if (end === start && end === path.length) break; // trailing "/": nothing more to match
        node = node.children.get(path.slice(start, end));
        if (node === undefined) break;
        if (node.candidates.length > 0) best = firstMatching(node.candidates, best, method, req, q);
        start = end + 1;
      }
    }
    for (const c of this.regex) {
      if (best !== null && c.index >= best.index) break;
      if (c.pathRe!.test(path) && conditionsMatch(c, method, req, q)) {
        best = c;
        break;
      }
    }
    return best;
  }
}

interface QueryCache {
  readonly query: string | null;
  params: URLSearchParams | undefined;
}

function firstMatching<T>(
  list: readonly Candidate<T>[],
  best: Candidate<T> | null,
  method: string,
  req: HeaderCarrier,
  q: QueryCache,
): Candidate<T> | null {
  for (const c of list) {
    if (best !== null && c.index >= best.index) return best;
    if (conditionsMatch(c, method, req, q)) return c;
  }
  return best;
}

function conditionsMatch<T>(c: Candidate<T>, method: string, req: HeaderCarrier, q: QueryCache): boolean {
  if (c.method !== null && c.method !== method) return false;
  if (c.headers !== null) {
    for (const h of c.headers) {
      const v = firstHeader(req.rawHeaders, h.name);
      if (v === undefined || !valueMatches(h, v)) return false;
    }
  }
  if (c.query !== null) {
    if (q.params === undefined) q.params = new URLSearchParams(q.query ?? '');
    for (const p of c.query) {
      const v = q.params.get(p.name);
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
    });
  });
  return router;
}
