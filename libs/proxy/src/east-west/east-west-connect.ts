/**
 * Connections to an endpoint through its cluster's east-west gateway, in the shapes the
 * upstreams need: an undici `connect` function (HTTP/1.1 and WebSocket pools), a socket for
 * node:http2 (`createConnection`: H2C, or H2 over the backend's TLS), and a raw stream (TCP
 * routes). Backend TLS (BackendTLSPolicy), when set, runs end to end inside the tunnel: the
 * gateway sees only ciphertext.
 */
import tls, { type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { TlsClientOptions } from '../upstream/tls-client-options.js';
import { dialEastWest, type EastWestClientTls, type EastWestGateway } from './east-west-client.js';
import type { EastWestTarget } from './east-west-name.js';

/** One endpoint reached through a gateway, with the credentials and the backend's own TLS. */
export interface EastWestRoute {
  readonly credentials: EastWestClientTls | null;
  readonly via: EastWestGateway;
  readonly target: EastWestTarget;
  /** The backend's TLS (BackendTLSPolicy), layered inside the tunnel; null for cleartext backends. */
  readonly backendTls: TlsClientOptions | null;
}

/**
 * The stream to the endpoint: the tunnel itself, or the backend's TLS session over it (ALPN
 * `alpn` when given). Ready on `secureConnect` either way. Throws without east-west credentials.
 */
export function openEastWestStream(route: EastWestRoute, alpn?: string[]): TLSSocket {
  const tunnel = dialEastWest(route.credentials, route.via, route.target);
  const t = route.backendTls;
  if (t === null) return tunnel;
  const inner = tls.connect({
    socket: tunnel,
    servername: t.servername,
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    rejectUnauthorized: true,
    checkServerIdentity: t.checkServerIdentity,
    ...(alpn !== undefined ? { ALPNProtocols: alpn } : {}),
  });
  // The inner session owns the tunnel: an error or close on one ends the other.
  tunnel.on('error', (err) => inner.destroy(err));
  inner.on('close', () => tunnel.destroy());
  return inner;
}

/** An undici `connect` option dialing through the gateway, failing after `timeoutMs` without a session. */
export function eastWestConnector(route: EastWestRoute, timeoutMs: number): buildConnector.connector {
  return (_opts, callback) => {
    let socket: TLSSocket;
    try {
      socket = openEastWestStream(route, route.backendTls !== null ? ['http/1.1'] : undefined);
    } catch (err) {
      queueMicrotask(() => callback(err as Error, null));
      return;
    }
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('secureConnect', onReady);
      socket.off('error', finish);
      if (err !== null) {
        socket.destroy();
        callback(err, null);
      } else {
        callback(null, socket);
      }
    };
    const onReady = () => finish(null);
    const timer = setTimeout(() => finish(new Error(`east-west connect timeout (${timeoutMs} ms) to ${route.via.address}:${route.via.port}`)), timeoutMs);
    socket.once('secureConnect', onReady);
    socket.once('error', finish);
  };
}
