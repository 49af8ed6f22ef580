/**
 * Hostname matching as the Gateway API defines it: exact names, and wildcards `*.suffix` that
 * match one or more labels to the left (`*.example.com` matches `a.example.com` and
 * `a.b.example.com`, not `example.com`). `undefined` means "any hostname".
 */

export const isWildcard = (h: string): boolean => h.startsWith('*.');

/** Does `host` (an exact name) match `pattern` (exact or wildcard)? Case-insensitive. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!isWildcard(p)) return p === h;
  const suffix = p.slice(1); // ".example.com"
  return h.length > suffix.length && h.endsWith(suffix);
}

/**
 * The hostname a route hostname contributes on a listener, or undefined when they do not
 * intersect. With a listener hostname of `*.example.com`, a route hostname `foo.example.com`
 * stays as it is, `*.example.com` too, `*.com` narrows to `*.example.com`, `example.com` fails.
 */
export function intersectHostname(listener: string | undefined, route: string): string | undefined {
  if (listener === undefined) return route;
  const l = listener.toLowerCase();
  const r = route.toLowerCase();
  if (l === r) return route;
  if (!isWildcard(l) && !isWildcard(r)) return undefined;
  if (!isWildcard(r)) return hostMatches(l, r) ? route : undefined; // exact route under a wildcard listener
  if (!isWildcard(l)) return hostMatches(r, l) ? listener : undefined; // wildcard route covering an exact listener
  // both wildcards: the more specific one, if one covers the other
  if (hostMatches(r, l.slice(2))) return listener;
  if (hostMatches(l, r.slice(2))) return route;
  return undefined;
}

/**
 * Effective hostnames of a route on a listener: the intersections of the route's hostnames with
 * the listener's, or the listener's own hostname (or "*") when the route has none. An empty
 * result means no intersection: the route does not attach to that listener.
 */
export function effectiveHostnames(listener: string | undefined, route: readonly string[] | undefined): string[] {
  if (!route || route.length === 0) return [listener ?? '*'];
  const out: string[] = [];
  for (const h of route) {
    const i = intersectHostname(listener, h);
    if (i !== undefined && !out.includes(i.toLowerCase())) out.push(i.toLowerCase());
  }
  return out;
}

/**
 * Orders hostnames most specific first: exact names before wildcards; wildcards with more labels
 * to the right of the `*` first (then longer first); "*" or undefined (any host) last. Ties by name.
 */
export function compareHostSpecificity(a: string | undefined, b: string | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  return ra.cls - rb.cls || rb.labels - ra.labels || rb.length - ra.length || (a ?? '').localeCompare(b ?? '');
}

function rank(h: string | undefined): { cls: number; labels: number; length: number } {
  if (h === undefined || h === '*' || h === '') return { cls: 2, labels: 0, length: 0 };
  return { cls: isWildcard(h) ? 1 : 0, labels: h.split('.').length, length: h.length };
}
