import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { RAW_SOCKET, type WithRawSocket } from './http/raw-socket.js';

/** Server TLS material, PEM strings. */
export interface ServerTlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** When set, client certificates are requested and, if sent, must verify (Go's `VerifyClientCertIfGiven`). */
  readonly clientCAs?: string | undefined;
}

/** Thrown for TLS material that cannot be used. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
}

/** The DER of every certificate in a PEM bundle. */
export function pemCertificates(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b).raw);
}

/** A prepared server-side TLS configuration. */
export interface TlsAcceptor {
  /** DER of the client CAs (empty without client verification). */
  readonly trustedDer: readonly Buffer[];
  /**
   * Runs the server handshake on an accepted TCP socket; `onSecure` gets the TLS socket (which
   * knows its TCP socket, see raw-socket.ts). Failed handshakes, and client certificates that do
   * not verify, close the connection.
   */
  accept(raw: net.Socket, onSecure: (socket: tls.TLSSocket) => void): void;
}

/** Builds an acceptor; throws {@link TlsConfigError} for unusable material. */
export function tlsAcceptor(
  material: ServerTlsMaterial,
  options: { alpn?: string[]; minVersion?: tls.SecureVersion } = {},
): TlsAcceptor {
  let secureContext: tls.SecureContext;
  let trustedDer: Buffer[] = [];
  try {
    if (material.clientCAs !== undefined) {
      trustedDer = pemCertificates(material.clientCAs);
      if (trustedDer.length === 0) throw new Error('no certificate in the client CA bundle');
    }
    secureContext = tls.createSecureContext({
      cert: material.cert,
      key: material.key,
      ...(material.clientCAs !== undefined ? { ca: material.clientCAs } : {}),
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    });
  } catch (err) {
    throw new TlsConfigError(`unusable TLS certificate, key or client CAs: ${(err as Error).message}`, { cause: err });
  }
  const verifyClients = material.clientCAs !== undefined;
  return {
    trustedDer,
    accept(raw, onSecure) {
      const socket = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext,
        requestCert: verifyClients,
        rejectUnauthorized: false,
        ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
      });
      (socket as WithRawSocket)[RAW_SOCKET] = raw;
      socket.on('error', () => {
        socket.destroy();
        raw.destroy();
      });
      socket.once('secure', () => {
        const sentCert = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
        if (verifyClients && sentCert && !socket.authorized) {
          socket.destroy();
          raw.destroy();
          return;
        }
        onSecure(socket);
      });
    },
  };
}
