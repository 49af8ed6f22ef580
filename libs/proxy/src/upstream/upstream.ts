/**
 * One backend endpoint as the proxy talks to it: an undici Pool (HTTP/1.1, keep-alive) or a
 * node:http2 client session (H2C with prior knowledge, H2 over TLS), created on first use and
 * kept across config swaps while a config still uses the endpoint.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import { Pool, buildConnector } from 'undici';
import type { Backend } from '@portway/ir';
import type { EastWestClientTls, EastWestGateway } from '../east-west/east-west-client.js';
import { eastWestConnector, openEastWestStream, type EastWestRoute } from '../east-west/east-west-connect.js';
import type { TlsClientOptions } from './tls-client-options.js';

export type UpstreamProtocol = Backend['protocol'];

/** Connect timeout to an endpoint. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections to an endpoint are closed after this long. */
const KEEP_ALIVE_MS = 60_000;

export class Upstream {
  private pool: Pool | null = null;
  private h2: ClientHttp2Session | null = null;
  private closed = false;
  /** "http://10.0.0.1:8080" or "https://..." */
  readonly origin: string;
  /** How to reach the endpoint through its east-west gateway; null when it is dialed directly. */
  readonly eastWestRoute: EastWestRoute | null;

  constructor(
    readonly key: string,
    readonly address: string,
    readonly port: number,
    readonly protocol: UpstreamProtocol,
    readonly tls: TlsClientOptions | null,
    /** The east-west gateway the endpoint is reached through (`Endpoint.via`); null: dialed directly. */
    readonly via: EastWestGateway | null = null,
    eastWest: EastWestClientTls | null = null,
  ) {
    const host = address.includes(':') ? `[${address}]` : address;
    this.origin = `${tls !== null || protocol === 'H2' ? 'https' : 'http'}://${host}:${port}`;
    // Built once per endpoint: every connection through the gateway (pool, HTTP/2 session,
    // upgrade, TCP route) reuses it.
    this.eastWestRoute = via === null ? null : { credentials: eastWest, via, target: { address, port }, backendTls: tls };
  }

  /** Whether requests go over HTTP/2 (H2C or H2). */
  get isHttp2(): boolean {
    return this.protocol === 'H2C' || this.protocol === 'H2';
  }

  /** The endpoint's keep-alive pool (HTTP/1.1 and WebSocket backends). */
  getPool(): Pool {
    if (this.pool !== null) return this.pool;
    if (this.closed) throw new Error(`upstream ${this.key} is closed`);
    const tls = this.tls;
    let connect: Pool.Options['connect'] = { timeout: CONNECT_TIMEOUT_MS };
    const ew = this.eastWestRoute;
    if (ew !== null) {
      connect = eastWestConnector(ew, CONNECT_TIMEOUT_MS);
    } else if (tls !== null) {
      const connector = buildConnector({
        timeout: CONNECT_TIMEOUT_MS,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: true,
        checkServerIdentity: tls.checkServerIdentity,
      } as buildConnector.BuildOptions);
      // undici derives the SNI from each request's Host header; the backend's TLS policy decides it instead.
      connect = (opts, callback) => connector({ ...opts, servername: tls.servername }, callback);
    }
    this.pool = new Pool(this.origin, {
      connect,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      // The proxy enforces the route's timeouts itself; undici's own would cut long responses.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return this.pool;
  }

  /** The endpoint's HTTP/2 session, reconnected when the previous one closed or went away. */
  getSession(): ClientHttp2Session {
    const s = this.h2;
    if (s !== null && !s.closed && !s.destroyed) return s;
    if (this.closed) throw new Error(`upstream ${this.key} is closed`);
    const tls = this.tls;
    const ew = this.eastWestRoute;
    const session = http2.connect(
      this.origin,
      ew !== null
        ? { createConnection: () => openEastWestStream(ew, tls !== null ? ['h2'] : undefined) }
        : tls === null
        ? {}
        : {
            servername: tls.servername,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: true,
            checkServerIdentity: tls.checkServerIdentity,
          },
    );
    session.on('error', ignoreSessionError);
    session.on('close', onSessionClose);
    session.on('goaway', onSessionGoaway);
    (session as SessionWithOwner)[kOwner] = this;
    session.unref();
    this.h2 = session;
    return session;
  }

  /** @internal */
  forgetSession(s: ClientHttp2Session): void {
    if (this.h2 === s) this.h2 = null;
  }

  /**
   * Closes gracefully: requests in flight finish first, for at most `graceMs` (then whatever is
   * left is destroyed, so a stalled request, a mirror's say, cannot hold a shutdown).
   */
  async close(graceMs = Infinity): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    const h2 = this.h2;
    this.pool = null;
    this.h2 = null;
    const graceful = Promise.all([pool?.close().catch(() => undefined), h2 !== null ? closeSession(h2) : undefined]);
    if (!Number.isFinite(graceMs)) {
      await graceful;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, graceMs, 'late')));
    if ((await Promise.race([graceful, late])) === 'late') {
      await Promise.all([pool?.destroy().catch(() => undefined), h2 !== null && !h2.destroyed ? h2.destroy() : undefined]);
    }
    clearTimeout(timer);
  }
}

const kOwner = Symbol('upstream');
type SessionWithOwner = ClientHttp2Session & { [kOwner]?: Upstream };

function ignoreSessionError(): void {
  // Stream-level errors are reported to the request that owns the stream.
}
function onSessionClose(this: ClientHttp2Session): void {
  (this as SessionWithOwner)[kOwner]?.forgetSession(this);
}
function onSessionGoaway(this: ClientHttp2Session): void {
  (this as SessionWithOwner)[kOwner]?.forgetSession(this);
}

function closeSession(s: ClientHttp2Session): Promise<void> {
  if (s.closed || s.destroyed) return Promise.resolve();
  return new Promise((resolve) => s.close(() => resolve()));
}

/**
 * Keeps one Upstream per (protocol, TLS settings, east-west gateway, address, port) across
 * config swaps. `eastWest`: the ClusterSet client certificate for endpoints with a `via`.
 */
export class UpstreamRegistry {
  private readonly upstreams = new Map<string, Upstream>();

  constructor(private readonly eastWest: EastWestClientTls | null = null) {}

  get(protocol: UpstreamProtocol, tls: TlsClientOptions | null, address: string, port: number, via?: EastWestGateway): Upstream {
    const gw = via !== undefined ? `${via.address}:${via.port}` : '-';
    const key = `${protocol}|${tls?.fingerprint ?? '-'}|${gw}|${address}|${port}`;
    let u = this.upstreams.get(key);
    if (u === undefined) {
      u = new Upstream(key, address, port, protocol, tls, via ?? null, this.eastWest);
      this.upstreams.set(key, u);
    }
    return u;
  }

  /** Closes (gracefully, for at most `graceMs`) every upstream whose key is not in `inUse`. */
  async sweep(inUse: ReadonlySet<string>, graceMs = Infinity): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, u] of this.upstreams) {
      if (inUse.has(key)) continue;
      this.upstreams.delete(key);
      closing.push(u.close(graceMs));
    }
    await Promise.all(closing);
  }

  get size(): number {
    return this.upstreams.size;
  }
}
