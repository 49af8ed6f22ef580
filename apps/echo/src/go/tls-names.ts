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

/** Go's names of the `tls.CurveID` values it knows. */
const CURVE_NAMES: ReadonlyMap<number, string> = new Map([
  [23, 'CurveP256'],
  [24, 'CurveP384'],
  [25, 'CurveP521'],
  [29, 'X25519'],
  [4588, 'X25519MLKEM768'],
]);

/** Go's `tls.CurveID(id).String()`: `X25519`, `CurveP256`, ..., else `CurveID(n)`; no group is `CurveID(0)`. */
export function goCurveName(id: number | undefined): string {
  if (id === undefined) return 'CurveID(0)';
  return CURVE_NAMES.get(id) ?? `CurveID(${id})`;
}
