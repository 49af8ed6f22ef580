/** Characters Go's `unicode.IsSpace` accepts. */
const GO_SPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && GO_SPACE.includes(s[start]!)) start++;
  while (end > start && GO_SPACE.includes(s[end - 1]!)) end--;
  return s.slice(start, end);
}

/** Go's `textproto.TrimString`: ASCII space, tab, CR and LF only. */
export function textprotoTrim(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}
