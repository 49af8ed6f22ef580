/** Bytes allowed in an HTTP header field name (RFC 7230 `token`), as Go's `validHeaderFieldByte`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `name` is a valid header field name (non-empty token). */
export function isValidHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Go's `textproto.CanonicalMIMEHeaderKey`: the first letter and every letter after a hyphen
 * upper case, the rest lower case (`x-foo-bar` -> `X-Foo-Bar`). A name with a byte that is not a
 * token byte (a space, say) is returned unchanged, as Go does.
 */
export function canonicalHeaderKey(name: string): string {
  if (!TOKEN.test(name)) return name;
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}
