/**
 * Small pieces of Go's net/http and net/url behaviour the suite's client relies on, so requests
 * look on the wire as the upstream suite's do.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Go's textproto.CanonicalMIMEHeaderKey: the first letter and every letter after a hyphen
 * upper-case, the rest lower-case; names with characters outside the token set are returned as is.
 */
export function canonicalHeaderKey(name: string): string {
  if (!TOKEN.test(name)) return name;
  let upper = true;
  let out = '';
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/** Go's url.QueryEscape (space as "+"). */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Go's url.QueryUnescape ("+" as space); malformed escapes are kept as they are. */
export function queryUnescape(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Go's url.ParseQuery: key order kept (Go maps do not keep it; Encode sorts anyway). */
export function parseQuery(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of query.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : queryUnescape(part.slice(eq + 1));
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted, each value query-escaped. */
export function encodeQuery(values: Map<string, string[]>): string {
  return [...values.keys()]
    .sort()
    .flatMap((k) => values.get(k)!.map((v) => `${queryEscape(k)}=${queryEscape(v)}`))
    .join('&');
}

/** Splits "path?query" at the first "?" (the query is sent raw). */
export function splitPathQuery(pathAndQuery: string): { path: string; query: string | undefined } {
  const i = pathAndQuery.indexOf('?');
  return i < 0 ? { path: pathAndQuery, query: undefined } : { path: pathAndQuery.slice(0, i), query: pathAndQuery.slice(i + 1) };
}

/**
 * Sets (replacing, or with `add` appending to) a query parameter on "path?query", re-encoding the
 * query the way Go's url.Values.Encode does (keys sorted).
 */
export function withQueryParam(pathAndQuery: string, key: string, value: string, add = false): string {
  const { path, query } = splitPathQuery(pathAndQuery);
  const values = parseQuery(query ?? '');
  values.set(key, add ? [...(values.get(key) ?? []), value] : [value]);
  return `${path}?${encodeQuery(values)}`;
}

/** Go's URL.EscapedPath for a path without a valid RawPath: escapes what encodePath escapes. */
export function escapePath(path: string): string {
  let out = '';
  for (const ch of path) {
    if (/[A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}
