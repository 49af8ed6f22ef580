/**
 * IP address and CIDR parsing with the semantics of Go's `net` / `net/netip`, which the API server
 * uses: `strict` (netip.ParseAddr, CEL `isIP`/`ip()`) rejects IPv4 octets with leading zeros;
 * `sloppy` (ParseIPSloppy, the `ipv4`/`ipv6` schema formats) reads them as decimal.
 */

/** A parsed address: 4 bytes for dotted-quad input, 16 for IPv6 input. */
export interface ParsedIP {
  bytes: number[];
  /** The address was written in IPv6 notation. */
  v6: boolean;
  zone: string;
}

function parseV4(s: string, sloppy: boolean): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    if (!sloppy && p.length > 1 && p[0] === '0') return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(s: string, sloppy: boolean): number[] | null {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g, sloppy);
        if (!v4) return null;
        out.push(v4[0]!, v4[1]!, v4[2]!, v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  if (dbl < 0) {
    const b = parseGroups(s);
    return b && b.length === 16 ? b : null;
  }
  const head = parseGroups(s.slice(0, dbl));
  const tail = parseGroups(s.slice(dbl + 2));
  if (!head || !tail) return null;
  // An embedded IPv4 may only end the address.
  if (s.slice(0, dbl).includes('.')) return null;
  const fill = 16 - head.length - tail.length;
  if (fill < 2) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** Parses an IP address; `null` when it is not one. Zones (`%eth0`) are kept only when `allowZone`. */
export function parseIP(s: string, opts: { sloppy?: boolean; allowZone?: boolean } = {}): ParsedIP | null {
  const sloppy = !!opts.sloppy;
  if (s.includes(':')) {
    let addr = s;
    let zone = '';
    const pct = s.indexOf('%');
    if (pct >= 0) {
      if (!opts.allowZone) return null;
      zone = s.slice(pct + 1);
      addr = s.slice(0, pct);
      if (zone === '') return null;
    }
    const bytes = parseV6(addr, sloppy);
    return bytes ? { bytes, v6: true, zone } : null;
  }
  const bytes = parseV4(s, sloppy);
  return bytes ? { bytes, v6: false, zone: '' } : null;
}

/** True when 16 bytes hold an IPv4-mapped address (::ffff:a.b.c.d). */
export function isV4Mapped(ip: ParsedIP): boolean {
  return ip.v6 && ip.bytes.slice(0, 10).every((b) => b === 0) && ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
}

/** Canonical text form (RFC 5952 for IPv6), as Go's `netip.Addr.String()`. */
export function formatIP(ip: ParsedIP): string {
  if (!ip.v6) return ip.bytes.join('.');
  if (isV4Mapped(ip)) return `::ffff:${ip.bytes.slice(12).join('.')}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  const text =
    bestStart < 0 ? hex(words) : `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
  return ip.zone ? `${text}%${ip.zone}` : text;
}

/** A parsed CIDR prefix. */
export interface ParsedCIDR {
  ip: ParsedIP;
  prefix: number;
}

/** Parses `addr/len` as Go's `netip.ParsePrefix` (strict address, no zone, decimal length without leading zeros). */
export function parseCIDR(s: string): ParsedCIDR | null {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(len)) return null;
  const prefix = Number(len);
  if (prefix > ip.bytes.length * 8) return null;
  return { ip, prefix };
}

/** The prefix with host bits cleared. */
export function maskedCIDR(c: ParsedCIDR): ParsedCIDR {
  const bytes = c.ip.bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, c.prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
  return { ip: { ...c.ip, bytes }, prefix: c.prefix };
}

/** True when `ip` lies inside `c` (same family). */
export function cidrContains(c: ParsedCIDR, ip: ParsedIP): boolean {
  if (ip.bytes.length !== c.ip.bytes.length) return false;
  const a = maskedCIDR(c).ip.bytes;
  const b = maskedCIDR({ ip, prefix: c.prefix }).ip.bytes;
  return a.every((x, i) => x === b[i]);
}
