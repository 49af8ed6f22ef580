import type { PeerCertificate, TLSSocket } from 'node:tls';
import { echoTlsVersion, goCipherSuiteName } from '../go/tls-names.js';
import { pemCertificate } from '../go/pem.js';

/** What the HTTP and gRPC echo servers report about a TLS connection. */
export interface TlsAssertions {
  /** `TLSv1.0` .. `TLSv1.3`. */
  readonly version: string;
  /** The client certificate chain, PEM, leaf first (empty without a client certificate). */
  readonly peerCertificates: readonly string[];
  /** The SNI the client sent, or `''`. */
  readonly serverName: string;
  /** The ALPN protocol, or `''`. */
  readonly negotiatedProtocol: string;
  /** IANA cipher suite name, e.g. `TLS_AES_128_GCM_SHA256`. */
  readonly cipherSuite: string;
}

/**
 * The socket methods read here; an HTTP/2 session's `socket` is a proxy that forwards them, so
 * this is typed structurally rather than as a `TLSSocket` instance.
 */
export type TlsSocketView = Pick<
  TLSSocket,
  'getProtocol' | 'getCipher' | 'getPeerCertificate' | 'servername' | 'alpnProtocol'
>;

/** True when the socket (or socket proxy) carries TLS. */
export function isTlsSocket(socket: unknown): socket is TlsSocketView {
  return typeof (socket as { getPeerCertificate?: unknown } | null)?.getPeerCertificate === 'function';
}

/**
 * Reads the assertions from a TLS connection. `trustedDer` holds the client CA certificates:
 * OpenSSL completes the peer chain with the trust anchor from the store, which the client did
 * not send and Go's `PeerCertificates` therefore does not hold, so trailing certificates that
 * are trust anchors are left out (the leaf is always kept).
 */
export function tlsAssertionsOf(socket: TlsSocketView, trustedDer: readonly Buffer[] = []): TlsAssertions {
  return {
    version: echoTlsVersion(socket as TLSSocket),
    peerCertificates: peerChain(socket, trustedDer).map((der) => pemCertificate(der)),
    serverName: typeof socket.servername === 'string' ? socket.servername : '',
    negotiatedProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : '',
    cipherSuite: goCipherSuiteName(socket as TLSSocket),
  };
}

function peerChain(socket: TlsSocketView, trustedDer: readonly Buffer[]): Buffer[] {
  const leaf = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  if (!leaf || !leaf.raw) return [];
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let cert: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  // Bounded by the distinct certificates of the chain: a self-signed certificate is its own issuer.
  while (cert?.raw && !seen.has(cert.raw.toString('base64'))) {
    seen.add(cert.raw.toString('base64'));
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  while (chain.length > 1 && trustedDer.some((t) => t.equals(chain[chain.length - 1]!))) chain.pop();
  return chain;
}
