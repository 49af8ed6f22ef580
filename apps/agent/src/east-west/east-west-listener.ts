/**
 * The agent's east-west gateway: a TLS listener that takes connections from the proxies of other
 * clusters and relays each, as raw TCP, to the endpoint of this cluster it names. Clients must
 * present a certificate signed by the ClusterSet CA (the handshake fails otherwise); the endpoint
 * is named by the TLS server name (`<address-with-dashes>.<port>.ew.portway.internal`, see
 * @portway/proxy's east-west-name), and must be in the allow-list (endpoints this cluster
 * serves); anything else is closed at once. Bytes are relayed untouched both ways with
 * backpressure and half-close (the proxy's splice), so HTTP/1.1, HTTP/2, backend TLS and TCP
 * routes all pass through the same way. UDP is not relayed.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { parseEastWestServerName, splice } from '@portway/proxy';
import type { Log } from '../log.js';
import type { EastWestAllowList } from './east-west-allow-list.js';

export interface EastWestListenerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The ClusterSet CA (PEM): client certificates must chain to it. */
  ca: string;
  /** This gateway's certificate and key (PEM), signed by the ClusterSet CA. */
  cert: string;
  key: string;
  allowList: EastWestAllowList;
  log: Log;
  /** Connect timeout to an endpoint (default 10 s). */
  connectTimeoutMs?: number;
  /** A relayed connection with no byte either way for this long is closed (default 1 h). */
  idleMs?: number;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Connections seen, by outcome (diagnostics and tests). */
export interface EastWestCounters {
  /** Relayed to an endpoint. */
  relayed: number;
  /** Closed: the server name named no endpoint, or one not in the allow-list. */
  refused: number;
  /** Failed the TLS handshake (no or bad client certificate, not TLS at all). */
  handshakeFailed: number;
  /** The endpoint could not be reached. */
  connectFailed: number;
}

export class EastWestListener {
  private readonly server: tls.Server;
  private readonly open = new Set<Socket>();
  readonly counters: EastWestCounters = { relayed: 0, refused: 0, handshakeFailed: 0, connectFailed: 0 };

  constructor(private readonly options: EastWestListenerOptions) {
    this.server = tls.createServer(
      {
        ca: [options.ca],
        cert: options.cert,
        key: options.key,
        requestCert: true,
        rejectUnauthorized: true,
        allowHalfOpen: true,
        minVersion: 'TLSv1.2',
        // A peer that opens a connection and never finishes the handshake is dropped.
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      },
      (socket) => this.onConnection(socket),
    );
    this.server.on('tlsClientError', (err, socket) => {
      this.counters.handshakeFailed++;
      this.options.log.debug({ err: err.message, peer: socket.remoteAddress }, 'east-west: handshake failed');
    });
  }

  /** Binds the listener. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`east-west listener ${this.options.host}:${this.options.port}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.options.log.error({ err }, 'east-west listener'));
  }

  /** The bound address and port. */
  address(): { address: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { address: a.address, port: a.port };
  }

  /** Stops accepting and closes every relayed connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.open) s.destroy();
    await closed;
  }

  private track(s: Socket): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  private onConnection(client: TLSSocket): void {
    this.track(client);
    client.on('error', onClientError);
    const target = parseEastWestServerName(client.servername);
    const peer = client.getPeerCertificate().subject?.CN;
    if (target === null || !this.options.allowList.has(target.address, target.port)) {
      this.counters.refused++;
      this.options.log.warn(
        { serverName: client.servername || null, peer, from: client.remoteAddress },
        target === null ? 'east-west: refused a connection that names no endpoint' : 'east-west: refused a connection to an endpoint this cluster does not serve',
      );
      client.destroy();
      return;
    }
    const endpoint = `${target.address}:${target.port}`;
    const backend = net.connect({ host: target.address, port: target.port, noDelay: true, allowHalfOpen: true });
    this.track(backend);
    const timer = setTimeout(() => backend.destroy(new Error('connect timeout')), this.options.connectTimeoutMs ?? 10_000);
    const onEarlyClose = () => {
      clearTimeout(timer);
      backend.destroy();
    };
    client.once('close', onEarlyClose);
    const onConnectError = (err: Error) => {
      clearTimeout(timer);
      this.counters.connectFailed++;
      this.options.log.debug({ endpoint, err: err.message }, 'east-west: endpoint connect failed');
      client.destroy();
    };
    backend.once('error', onConnectError);
    backend.once('connect', () => {
      clearTimeout(timer);
      client.off('close', onEarlyClose);
      backend.off('error', onConnectError);
      if (client.destroyed) {
        backend.destroy();
        return;
      }
      this.counters.relayed++;
      splice(client, backend, this.options.idleMs ?? 3_600_000);
    });
  }
}

function onClientError(): void {
  // The splice (or the early-close handler) ends the endpoint side.
}
