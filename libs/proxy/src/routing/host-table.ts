/**
 * Hostname lookup shared by listener selection (Host header or SNI) and virtual-host selection:
 * an exact name first, then the longest matching wildcard (`*.example.com` matches
 * `a.example.com` and `a.b.example.com`, not `example.com`), then the catch-all.
 * Lookups are Map hits, one per label of the requested name at most.
 */
export class HostTable<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by the suffix including its leading dot: "*.example.com" → ".example.com". */
  private readonly wildcard = new Map<string, T>();
  private any: T | undefined;
  private hasWildcards = false;

  /**
   * Adds an entry; `hostname` is an exact name, "*.suffix", or "*" / undefined for any host.
   * The first entry added for a given name wins (the IR lists the most specific first).
   */
  add(hostname: string | undefined, value: T): void {
    if (hostname === undefined || hostname === '*' || hostname === '') {
      if (this.any === undefined) this.any = value;
      return;
    }
    const name = hostname.toLowerCase();
    if (name.startsWith('*.')) {
      const suffix = name.slice(1);
      if (!this.wildcard.has(suffix)) this.wildcard.set(suffix, value);
      this.hasWildcards = true;
    } else if (!this.exact.has(name)) {
      this.exact.set(name, value);
    }
  }

  /** `host` must already be lower-case and without a port. */
  lookup(host: string): T | undefined {
    const e = this.exact.get(host);
    if (e !== undefined) return e;
    if (this.hasWildcards) {
      // Walk the dots from the left: the first suffix found is the longest.
      let dot = host.indexOf('.');
      while (dot > 0) {
        const w = this.wildcard.get(host.slice(dot));
        if (w !== undefined) return w;
        dot = host.indexOf('.', dot + 1);
      }
    }
    return this.any;
  }

  /** Every entry, exact names first (used for SNI certificate selection and diagnostics). */
  values(): T[] {
    const out = [...this.exact.values(), ...this.wildcard.values()];
    if (this.any !== undefined) out.push(this.any);
    return out;
  }
}

/**
 * The host of a Host header or `:authority`: lower-cased, without the port, without a trailing
 * dot. "[::1]:8080" → "[::1]". Returns "" for a missing header.
 */
export function hostWithoutPort(value: string | undefined): string {
  if (value === undefined || value.length === 0) return '';
  let end = value.length;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    end = close < 0 ? value.length : close + 1;
  } else {
    const colon = value.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end > 0 && value.charCodeAt(end - 1) === 46) end--;
  const host = end === value.length ? value : value.slice(0, end);
  return hasUpper(host) ? host.toLowerCase() : host;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}
