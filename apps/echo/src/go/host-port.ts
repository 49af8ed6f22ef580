/**
 * Go's `net.JoinHostPort` as used for `RemoteAddr`: IPv6 in brackets; an IPv4-mapped IPv6
 * address (`::ffff:127.0.0.1`, what a dual-stack socket reports) as plain IPv4, as Go shows it.
 */
export function joinHostPort(host: string | undefined, port: number | undefined): string {
  let h = host ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(h);
  if (mapped) h = mapped[1]!;
  const p = port === undefined ? '' : String(port);
  return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
}
