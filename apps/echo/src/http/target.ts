/**
 * The path part of a request-target as Go's `url.ParseRequestURI` splits it: origin-form
 * `/path?query`, or absolute-form `scheme://authority/path?query` (path may be empty).
 * `undefined` when the target is neither (Go answers such a request 400).
 */
export function absoluteFormPath(target: string): string | undefined {
  const beforeQuery = target.split('?', 1)[0]!;
  if (beforeQuery.startsWith('/')) return beforeQuery;
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*(.*)$/.exec(beforeQuery);
  return m ? m[1]! : undefined;
}
