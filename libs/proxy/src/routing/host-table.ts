/**
 * Hostname lookup shared by listener selection (Host header or SNI) and virtual-host selection:
 * an exact name first, then the longest matching wildcard (`*.example.com` matches
 * `a.example.com` and `a.b.example.com`, not `example.com`), then the catch-all.
 * Lookups are Map hits, one per label of the requested name at most.
 */
export class HostTable<T> {
  private exact = new Map<string, T>();
  /** Keyed by the suffix including its leading dot: "*.example.com" → ".example.com". */
  private wildcard = new Map<string, T>();
  private any: T | undefined;
  private hasWildcards = false;

  /**
   * The slot a hostname is stored under: two hostnames with the same slot are the same entry
   * (the first added wins). "*" for any host (`undefined`, "" or "*"), else the name lower-cased.
   */
  static slotOf(hostname: string | undefined): string {
    return hostname === undefined || hostname === '*' || hostname === '' ? '*' : hostname.toLowerCase();
  }

  /**
   * Adds an entry; `hostname` is an exact name, "*.suffix", or "*" / undefined for any host.
   * The first entry added for a given name wins (the IR lists the most specific first).
   */
  add(hostname: string | undefined, value: T): void {
    this.put(HostTable.slotOf(hostname), value, false);
  }

  /**
   * A new table with the same entries as this one, except that each given slot (see `slotOf`)
   * holds the given value. This table is left as it is (it may be serving requests), and the
   * copy costs a native copy of the maps rather than one `add` per entry.
   */
  withEntries(entries: Iterable<readonly [slot: string, value: T]>): HostTable<T> {
    const copy = new HostTable<T>();
    copy.exact = new Map(this.exact);
    copy.wildcard = new Map(this.wildcard);
    copy.any = this.any;
    copy.hasWildcards = this.hasWildcards;
    for (const [slot, value] of entries) copy.put(slot, value, true);
    return copy;
  }

  private put(slot: string, value: T, replace: boolean): void {
    if (slot === '*') {
      if (replace || this.any === undefined) this.any = value;
      return;
    }
    if (slot.startsWith('*.')) {
      const suffix = slot.slice(1);
      if (replace || !this.wildcard.has(suffix)) this.wildcard.set(suffix, value);
      this.hasWildcards = true;
    } else if (replace || !this.exact.has(slot)) {
      this.exact.set(slot, value);
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
  // toLowerCase returns the very string when nothing changes (no copy), in one native scan.
  return host.toLowerCase();
}
