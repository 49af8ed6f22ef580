import type { TLSSocket } from 'node:tls';

/**
 * The TLS version as the echo server's HTTP and gRPC assertions name it (`TLSv1.3`, ...).
 * Node reports `TLSv1` for TLS 1.0.
 */
export function echoTlsVersion(socket: TLSSocket): string {
  const v = socket.getProtocol();
  if (v === 'TLSv1') return 'TLSv1.0';
  return v === 'TLSv1.1' || v === 'TLSv1.2' || v === 'TLSv1.3' ? v : '';
}

/** Go's `tls.VersionName` (`TLS 1.3`, ...), used by the TCP server. */
export function goTlsVersionName(socket: TLSSocket): string {
  switch (socket.getProtocol()) {
    case 'TLSv1': return 'TLS 1.0';
    case 'TLSv1.1': return 'TLS 1.1';
    case 'TLSv1.2': return 'TLS 1.2';
    case 'TLSv1.3': return 'TLS 1.3';
    default: return '';
  }
}

/** Go's `tls.CipherSuiteName`: the IANA name, which OpenSSL reports as `standardName`. */
export function goCipherSuiteName(socket: TLSSocket): string {
  const c = socket.getCipher() as { name: string; standardName?: string } | undefined;
  return c?.standardName ?? c?.name ?? '';
}

/** OpenSSL group names to Go `tls.CurveID` names and IANA code points. */
const CURVES: ReadonlyMap<string, { name: string; id: number }> = new Map([
  ['X25519', { name: 'X25519', id: 29 }],
  ['prime256v1', { name: 'CurveP256', id: 23 }],
  ['secp384r1', { name: 'CurveP384', id: 24 }],
  ['secp521r1', { name: 'CurveP521', id: 25 }],
  ['X448', { name: 'CurveID(30)', id: 30 }],
  ['ffdhe2048', { name: 'CurveID(256)', id: 256 }],
  ['ffdhe3072', { name: 'CurveID(257)', id: 257 }],
  ['ffdhe4096', { name: 'CurveID(258)', id: 258 }],
]);

/**
 * Go's `ConnectionState.CurveID.String()` for the key exchange group of the connection:
 * `X25519`, `CurveP256`, ... and `CurveID(0)` when there was no (EC)DHE exchange.
 */
export function goCurveName(socket: TLSSocket): string {
  const info = socket.getEphemeralKeyInfo() as { name?: string } | null;
  const name = info?.name;
  if (name === undefined) return 'CurveID(0)';
  return CURVES.get(name)?.name ?? `CurveID(${name})`;
}
