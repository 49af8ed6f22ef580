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

/**
 * A server secure context from the material (client verification not included); throws
 * {@link TlsConfigError} for unusable material.
 */
export function serverSecureContext(material: ServerTlsMaterial, minVersion?: tls.SecureVersion): tls.SecureContext {
  try {
    return tls.createSecureContext({ cert: material.cert, key: material.key, ...(minVersion ? { minVersion } : {}) });
  } catch (err) {
    throw new TlsConfigError(`unusable TLS certificate or key: ${(err as Error).message}`, { cause: err });
  }
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
  let trustedDer: Buffer[] = [];
  let server: tls.Server;
  try {
    if (material.clientCAs !== undefined) {
      trustedDer = pemCertificates(material.clientCAs);
      if (trustedDer.length === 0) throw new Error('no certificate in the client CA bundle');
    }
    const verifyClients = material.clientCAs !== undefined;
    // A TLS server that never listens: accepted TCP sockets are injected into it (its
    // documented 'connection' event), so the listener keeps hold of each TCP socket.
    server = tls.createServer({
      cert: material.cert,
      key: material.key,
      ...(verifyClients ? { ca: material.clientCAs, requestCert: true } : {}),
      rejectUnauthorized: false,
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
      ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
    });
  } catch (err) {
    throw new TlsConfigError(`unusable TLS certificate, key or client CAs: ${(err as Error).message}`, { cause: err });
  }
  const verifyClients = material.clientCAs !== undefined;
  // TCP sockets waiting for their handshake, by remote endpoint (unique among live connections
  // to one listening port), and what to do once it completes.
  const pending = new Map<string, { raw: net.Socket; onSecure: (socket: tls.TLSSocket) => void }>();
  const endpoint = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string => `${s.remoteAddress}|${s.remotePort}`;
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const entry = pending.get(endpoint(socket));
    pending.delete(endpoint(socket));
    if (!entry) {
      socket.destroy();
      return;
    }
    (socket as WithRawSocket)[RAW_SOCKET] = entry.raw;
    socket.on('error', () => socket.destroy());
    const sentCert = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
    if (verifyClients && sentCert && !socket.authorized) {
      socket.destroy();
      return;
    }
    entry.onSecure(socket);
  });
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return {
    trustedDer,
    accept(raw, onSecure) {
      const key = endpoint(raw);
      pending.set(key, { raw, onSecure });
      raw.once('close', () => {
        if (pending.get(key)?.raw === raw) pending.delete(key);
      });
      server.emit('connection', raw);
    },
  };
}
