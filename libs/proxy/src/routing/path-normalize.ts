/**
 * Request-path normalization for matching (RFC 3986 §6.2.2): percent-encoded unreserved
 * characters are decoded, the hex digits of the remaining escapes are upper-cased (so `%2f`
 * and `%2F` compare equal but are never decoded into a `/`), and dot segments are removed.
 * Nothing else is decoded, so a path never gains a `/`, `?` or `#` it did not have.
 * Route path values from the IR go through the same function at compile time, so both sides
 * of a comparison are in the same form.
 */

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 /* - */ || c === 46 /* . */ || c === 95 /* _ */ || c === 126 /* ~ */
  );
}

/**
 * Returns the normalized path, the very same string when nothing needed to change (the common
 * case costs one scan), or null when the path is not a valid origin-form path (a `%` not
 * followed by two hex digits, or not starting with `/`).
 */
export function normalizePath(path: string): string | null {
  if (path.length === 0 || path.charCodeAt(0) !== 47) return null;
  // Fast path, two native scans: no escape and no "/." (so no dot segment) → already normal.
  if (path.indexOf('%') < 0 && path.indexOf('/.') < 0) return path;
  let needsWork = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */) {
      needsWork = true;
      break;
    }
    if (c === 46 /* . */ && path.charCodeAt(i - 1) === 47) {
      // "/." starts a possible dot segment ("/./", "/../", "/." or "/.." at the end).
      const n = path.charCodeAt(i + 1);
      if (Number.isNaN(n) || n === 47 || (n === 46 && (i + 2 === path.length || path.charCodeAt(i + 2) === 47))) {
        needsWork = true;
        break;
      }
    }
  }
  if (!needsWork) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c !== 37) {
      out += path[i];
      continue;
    }
    const h = hexValue(path.charCodeAt(i + 1));
    const l = hexValue(path.charCodeAt(i + 2));
    if (h < 0 || l < 0) return null;
    const code = h * 16 + l;
    out += isUnreserved(code) ? String.fromCharCode(code) : `%${HEX[h]}${HEX[l]}`;
    i += 2;
  }
  return removeDotSegments(out);
}

/** RFC 3986 §5.2.4 for an absolute path: "/a/./b/../c" → "/a/c"; never climbs above "/". */
export function removeDotSegments(path: string): string {
  if (!path.includes('/.')) return path;
  const input = path.split('/');
  const output: string[] = [];
  // input[0] is "" (the path starts with "/").
  for (let i = 1; i < input.length; i++) {
    const seg = input[i]!;
    const last = i === input.length - 1;
    if (seg === '.') {
      if (last) output.push('');
    } else if (seg === '..') {
      output.pop();
      if (last) output.push('');
    } else {
      output.push(seg);
    }
  }
  return '/' + output.join('/');
}
