import { bytesToGoString } from './go-string.js';

/** Thrown when a percent-escape is malformed, as Go's `url.PathUnescape` / `QueryUnescape` fail. */
export class GoEscapeError extends Error {
  override readonly name = 'GoEscapeError';
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Go's `url.unescape` over a latin1/ASCII string: `%XX` to a byte, `+` to a space in query mode.
 * Returns the bytes, since an escape may produce anything.
 */
export function unescapeBytes(s: string, mode: 'path' | 'query'): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (i + 2 >= s.length || hi < 0 || lo < 0) {
        const bad = s.slice(i, i + 3);
        throw new GoEscapeError(`invalid URL escape "${bad}"`);
      }
      out.push(hi * 16 + lo);
      i += 2;
    } else if (c === 0x2b && mode === 'query') {
      out.push(0x20);
    } else {
      out.push(c & 0xff);
    }
  }
  return Buffer.from(out);
}

/** Go's `shouldEscape(c, encodePath)`. */
function shouldEscapeInPath(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return false;
  // unreserved marks, and the reserved characters a path may hold as they are
  return !'-_.~$&+,/:;=@'.includes(String.fromCharCode(c));
}

/** Go's `url.escape(s, encodePath)` over bytes. */
export function escapePath(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += shouldEscapeInPath(b) ? '%' + b.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(b);
  }
  return out;
}

/** Go's `validEncoded(s, encodePath)`: whether a raw path can be kept as the escaped form. */
export function isValidEncodedPath(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ("!$&'()*+,;=:@[]%".includes(s[i]!)) continue;
    if (c > 0xff || shouldEscapeInPath(c)) return false;
  }
  return true;
}

/**
 * Go's `url.ParseQuery`: pairs split on `&`, a pair holding `;` skipped, keys and values
 * unescaped (a pair that fails to unescape is skipped). Values keep their bytes.
 */
export function parseQuery(query: string): Map<string, Buffer[]> {
  const values = new Map<string, Buffer[]>();
  for (const pair of query.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: Buffer;
    try {
      key = bytesToGoString(unescapeBytes(rawKey, 'query'));
      value = unescapeBytes(rawValue, 'query');
    } catch {
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}

/** Go's `path.Clean` for a rooted path. */
export function cleanRootedPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** Go's `cleanPath` of `net/http`'s ServeMux: `path.Clean`, keeping a trailing slash. */
export function muxCleanPath(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = '/' + p;
  let np = cleanRootedPath(p);
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}
