/**
 * One bound TCP address:port. A plain net.Server accepts connections and hands each to the
 * right protocol path for the port's current config:
 * - `http`: the first bytes tell HTTP/1.1 from h2c with prior knowledge;
 * - `tls` with HTTPS listeners only: straight to the TLS server (SNI picks the listener and
 *   certificate, ALPN picks h2 or http/1.1);
 * - `tls` with TLS listeners: the ClientHello is read first (not consumed) and its SNI picks
 *   the listener: HTTPS → the HTTP TLS server; TLS Passthrough → the raw bytes go to a backend
 *   the TLSRoute picks; TLS Terminate → a TLS server with the listener's certificates, then the
 *   decrypted bytes go to the backend;
 * - `tcp`: the connection is piped to a backend of the TCP listener's route.
 * The protocol servers never listen themselves, so the port's state can be swapped (or the
 * port change kind) without rebinding. L4 connections belong to their connection, not to a
 * config: swaps leave them alone.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import type { CompiledGateway, CompiledListener, CompiledPort, CompiledTlsListener } from '../compile/compiled-types.js';
import { peekClientHello, type PeekOutcome } from '../l4/client-hello-peek.js';
import type { L4Context } from '../l4/l4-context.js';
import { forwardConnection } from '../l4/tcp-forward.js';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_MS, IDLE_SWEEP_MS } from './limits.js';

/** The config a bound socket serves right now. Replaced as a whole on a swap. */
export interface PortState {
  readonly gateway: CompiledGateway;
  readonly port: CompiledPort;
}

/**
 * Told when an HTTP/1.1 response closes (finished, or the client went away first). A handler
 * sets itself on the response under `kResponseObserver` instead of adding its own 'close'
 * listener: the bound socket already listens to every HTTP/1.1 response.
 */
export interface ResponseObserver {
  responseClosed(): void;
}
export const kResponseObserver = Symbol('responseObserver');

/** Request and upgrade entry points (implemented by the request handler). */
export interface HttpEntry {
  onRequest(bound: BoundSocket, req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void;
  onUpgrade(bound: BoundSocket, req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const kBound = Symbol('bound');
const kActive = Symbol('activeRequests');
const kResSocket = Symbol('requestSocket');
const kSession = Symbol('h2session');
const kPeek = Symbol('peek');
/** Plain HTTP/1.1 connection: its keep-alive idle time is the bound socket's to enforce. */
const kKeepAlive = Symbol('keepAlive');
/** When the connection last became idle (no request in flight), in `idleClock` ms. */
const kIdleSince = Symbol('idleSince');

type ResponseWithSocket = ServerResponse & { [kResSocket]?: TrackedSocket; [kResponseObserver]?: ResponseObserver };
type TrackedSocket = Socket & {
  [kBound]?: BoundSocket;
  [kActive]?: number;
  [kSession]?: Http2Session;
  [kPeek]?: Buffer;
  [kKeepAlive]?: boolean;
  [kIdleSince]?: number;
};

/**
 * A clock read once per sweep rather than once per request: idle times are measured with the
 * sweep's precision (IDLE_SWEEP_MS), which is all a keep-alive timeout needs.
 */
let idleClock = Date.now();

export class BoundSocket {
  /** "address:port" ("[::1]:443" for IPv6). */
  readonly key: string;
  state: PortState | null = null;
  draining = false;
  private readonly server: net.Server;
  private h1: http.Server | null = null;
  private h2c: http2.Http2Server | null = null;
  private tls: http2.Http2SecureServer | null = null;
  private terminate: tls.Server | null = null;
  private readonly sockets = new Set<TrackedSocket>();
  private drained: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly entry: HttpEntry,
    /** @internal */
    readonly l4: L4Context,
  ) {
    this.key = bindKey(address, port);
    this.server = net.createServer({ noDelay: true });
    this.server.on('connection', onConnection);
    (this.server as net.Server & { [kBound]?: BoundSocket })[kBound] = this;
  }

  /** Binds; resolves with the bind error (EADDRINUSE, EADDRNOTAVAIL, EACCES...) instead of throwing. */
  listen(): Promise<NodeJS.ErrnoException | null> {
    return new Promise((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        resolve(err);
      };
      const onListening = () => {
        this.server.off('error', onError);
        this.server.on('error', ignore);
        idleClock = Date.now();
        this.sweeper = setInterval(sweepIdle, IDLE_SWEEP_MS, this);
        this.sweeper.unref();
        resolve(null);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: this.address, port: this.port, exclusive: false });
    });
  }

  /** Serves `state` from the next connection/request on (the swap itself is this assignment). */
  setState(state: PortState): void {
    this.state = state;
    const port = state.port;
    if (port.kind !== 'tls') return;
    if (port.listeners.length > 0) this.configureTls(port);
    if (port.tlsListeners.some((l) => l.mode === 'Terminate')) this.configureTerminate(port);
  }

  /** Open client connections (for tests and diagnostics). */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting, lets in-flight requests (and upgraded connections) finish, closes idle
   * keep-alive connections and HTTP/2 sessions (GOAWAY), and after `timeoutMs` destroys
   * whatever is left.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    // Stops accepting now; its callback would only run once every connection is gone.
    this.server.close();
    if (this.sockets.size > 0) {
      const done = new Promise<void>((resolve) => (this.drained = resolve));
      for (const s of this.sockets) closeIfIdle(s);
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, timeoutMs);
      await done;
      clearTimeout(timer);
    }
  }

  /**
   * @internal closes plain HTTP/1.1 connections idle (no request in flight) for the keep-alive
   * time. node:http's own keep-alive timeout is off: it re-arms a socket timer around every
   * request, where this costs a counter and a sweep of the connections once a second.
   */
  sweepIdle(): void {
    const now = (idleClock = Date.now());
    for (const s of this.sockets) {
      if (s[kKeepAlive] === true && !s[kActive] && now - (s[kIdleSince] ?? now) >= DEFAULT_KEEP_ALIVE_MS) s.destroySoon();
    }
  }

  /** @internal a socket closed */
  forget(s: TrackedSocket): void {
    this.sockets.delete(s);
    if (this.draining && this.sockets.size === 0) this.drained?.();
  }

  /** @internal `l4`: a TCP/TLS tunnel, never idle in the HTTP sense (drain leaves it to finish). */
  track(s: TrackedSocket, l4 = false): void {
    s[kBound] = this;
    s[kActive] = l4 ? 1 : 0;
    this.sockets.add(s);
    s.on('close', onSocketClose);
    s.on('error', ignore);
  }

  /** @internal plain connection whose first bytes decided the protocol */
  dispatchPlain(s: TrackedSocket, h2: boolean): void {
    if (h2) {
      // The HTTP/2 session reads what was unshifted itself.
      this.h2cServer().emit('connection', s);
    } else {
      // node:http reads the socket's handle directly from now on; the bytes already read
      // (unshifted) are delivered through 'data' once the socket flows again.
      s[kKeepAlive] = true;
      s[kIdleSince] = idleClock;
      this.h1Server().emit('connection', s);
      s.resume();
    }
  }

  /** @internal a TCP listener's connection */
  acceptTcp(socket: TrackedSocket, port: CompiledPort): void {
    const route = port.tcp?.route ?? null;
    if (route === null) {
      socket.destroy();
      return;
    }
    this.track(socket, true);
    forwardConnection(this.l4, socket, route, null);
  }

  /** @internal the ClientHello of a connection to a port with TLS listeners was read */
  dispatchTls(socket: TrackedSocket, outcome: PeekOutcome): void {
    const port = this.state?.port;
    if (!outcome.ok || port === undefined || port.bySni === null || this.draining) {
      socket.destroy();
      return;
    }
    const sni = outcome.serverName;
    const target = sni === null ? port.defaultSni : (port.bySni.lookup(sni) ?? null);
    if (target === null) {
      socket.destroy();
      return;
    }
    if (target.protocol !== 'TLS') {
      socket.unshift(outcome.bytes);
      this.tlsServer().emit('connection', socket);
      return;
    }
    // TLS listeners route by SNI: a client without one (or with one no route has) is refused.
    const route = sni === null ? undefined : target.routes.lookup(sni);
    if (route === undefined || !route.usable) {
      socket.destroy();
      return;
    }
    if (target.mode === 'Passthrough') {
      this.track(socket, true);
      forwardConnection(this.l4, socket, route, outcome.bytes);
      return;
    }
    socket.unshift(outcome.bytes);
    this.terminateServer().emit('connection', socket);
  }

  /** The TLS Terminate listener a servername selects, or null. */
  terminateListenerForSni(servername: string | undefined | false | null): CompiledTlsListener | null {
    const bySni = this.state?.port.bySni;
    if (!servername || bySni == null) return null;
    const l = bySni.lookup(servername.toLowerCase());
    return l !== undefined && l.protocol === 'TLS' && l.mode === 'Terminate' ? l : null;
  }

  /** @internal TLS server of the port's TLS Terminate listeners (plain byte streams, no ALPN). */
  terminateServer(): tls.Server {
    if (this.terminate !== null) return this.terminate;
    const bound = this;
    const server = tls.createServer({
      allowHalfOpen: true,
      handshakeTimeout: this.l4.limits.clientHelloTimeoutMs,
      rejectUnauthorized: false,
      SNICallback(servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) {
        const listener = bound.terminateListenerForSni(servername);
        if (listener === null || listener.tls === null) {
          cb(new Error(`no TLS listener for server name "${servername}"`));
          return;
        }
        cb(null, listener.tls.byName.lookup(servername.toLowerCase()) ?? listener.tls.defaultContext);
      },
    });
    (server as unknown as { [kBound]: BoundSocket })[kBound] = this;
    server.on('secureConnection', onTerminated);
    server.on('tlsClientError', ignore);
    this.terminate = server;
    return server;
  }

  /** @internal */
  tlsServer(): http2.Http2SecureServer {
    if (this.tls !== null) return this.tls;
    const bound = this;
    const server = http2.createSecureServer({
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      rejectUnauthorized: false,
      SNICallback(servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) {
        const listener = bound.listenerForSni(servername);
        if (listener === null || listener.tls === null) {
          cb(new Error(`no listener for server name "${servername}"`));
          return;
        }
        cb(null, listener.tls.byName.lookup(servername.toLowerCase()) ?? listener.tls.defaultContext);
      },
    });
    server.prependListener('secureConnection', onSecureConnection);
    (server as unknown as { [kBound]: BoundSocket })[kBound] = this;
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
    server.on('session', onSession);
    server.on('tlsClientError', ignore);
    server.on('sessionError', ignore);
    server.setTimeout(0);
    this.tls = server;
    return server;
  }

  /** The listener that a TLS client's SNI selects (no SNI: the listener without hostname). */
  listenerForSni(servername: string | undefined | false | null): CompiledListener | null {
    const port = this.state?.port;
    if (port === undefined) return null;
    if (!servername) return port.defaultListener;
    return port.byHost.lookup(servername.toLowerCase()) ?? null;
  }

  private configureTls(port: CompiledPort): void {
    const server = this.tlsServer();
    // Both are read by node:tls for each new connection. When every listener of the port
    // requires a valid client certificate the handshake itself refuses clients without one;
    // otherwise the listener chosen by SNI decides right after the handshake.
    const s = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    s.requestCert = port.requestCert;
    s.rejectUnauthorized = port.requestCert && port.listeners.every((l) => l.tls?.clientValidation === 'AllowValidOnly');
    const def = port.defaultListener?.tls ?? port.listeners[0]?.tls;
    if (def) server.setSecureContext(def.defaultOptions);
  }

  private configureTerminate(port: CompiledPort): void {
    const server = this.terminateServer();
    const terminating = port.tlsListeners.filter((l) => l.mode === 'Terminate');
    const s = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    s.requestCert = terminating.some((l) => l.tls?.clientValidation != null);
    s.rejectUnauthorized = s.requestCert && terminating.every((l) => l.tls?.clientValidation === 'AllowValidOnly');
  }

  private h1Server(): http.Server {
    if (this.h1 !== null) return this.h1;
    const server = http.createServer({
      requestTimeout: 0,
      headersTimeout: DEFAULT_HEADERS_TIMEOUT_MS,
      // Idle connections are closed by sweepIdle (DEFAULT_KEEP_ALIVE_MS), not per-request timers.
      keepAliveTimeout: 0,
      noDelay: true,
    });
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
    server.on('clientError', onClientError);
    this.h1 = server;
    return server;
  }

  private h2cServer(): http2.Http2Server {
    if (this.h2c !== null) return this.h2c;
    const server = http2.createServer();
    server.on('request', this.onRequest);
    server.on('session', onSession);
    server.on('sessionError', ignore);
    server.setTimeout(0);
    this.h2c = server;
    return server;
  }

  private readonly onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    if (req.httpVersionMajor !== 2) {
      const s = req.socket as TrackedSocket;
      s[kActive] = (s[kActive] ?? 0) + 1;
      // res.socket is already detached when a keep-alive response closes: remember the socket.
      (res as ResponseWithSocket)[kResSocket] = s;
      res.on('close', onH1ResponseClose);
    }
    this.entry.onRequest(this, req, res);
  };

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // An upgraded connection is busy until it closes: never idle, left to finish on drain.
    const s = socket as TrackedSocket;
    s[kActive] = (s[kActive] ?? 0) + 1;
    this.entry.onUpgrade(this, req, socket, head);
  };
}

export function bindKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function ignore(): void {}

function onConnection(this: net.Server & { [kBound]?: BoundSocket }, socket: TrackedSocket): void {
  const bound = this[kBound]!;
  const state = bound.state;
  if (state === null || bound.draining) {
    socket.destroy();
    return;
  }
  const port = state.port;
  if (port.kind === 'tcp') {
    bound.acceptTcp(socket, port);
    return;
  }
  if (port.bySni !== null) {
    // Not tracked while the ClientHello is read (bounded in time); dispatchTls decides.
    socket.on('error', ignore);
    peekClientHello(socket, bound.l4.limits.clientHelloTimeoutMs, (outcome) => bound.dispatchTls(socket, outcome));
    return;
  }
  if (port.tls) {
    // Tracked once the handshake is done (onSecureConnection): the TLS socket is what the
    // protocol servers see, and what draining must look at.
    socket.on('error', ignore);
    bound.tlsServer().emit('connection', socket);
    return;
  }
  bound.track(socket);
  // A client that never sends its first bytes must not hold the connection forever.
  socket.setTimeout(DEFAULT_HEADERS_TIMEOUT_MS);
  socket.once('timeout', onPeekTimeout);
  socket.on('data', onFirstData);
}

function onPeekTimeout(this: TrackedSocket): void {
  this.destroy();
}

/** Reads until the bytes tell HTTP/1.1 from the HTTP/2 connection preface, then hands over. */
function onFirstData(this: TrackedSocket, chunk: Buffer): void {
  const prev = this[kPeek];
  const buf = prev === undefined ? chunk : Buffer.concat([prev, chunk]);
  const n = Math.min(buf.length, H2_PREFACE.length);
  const isPrefacePrefix = buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
  if (isPrefacePrefix && buf.length < H2_PREFACE.length) {
    this[kPeek] = buf;
    return;
  }
  this.off('data', onFirstData);
  this.off('timeout', onPeekTimeout);
  this.setTimeout(0);
  this[kPeek] = undefined;
  this.pause();
  this.unshift(buf);
  this[kBound]!.dispatchPlain(this, isPrefacePrefix);
}

function onSocketClose(this: TrackedSocket): void {
  this[kBound]?.forget(this);
}

function onH1ResponseClose(this: ResponseWithSocket): void {
  this[kResponseObserver]?.responseClosed();
  const s = this[kResSocket];
  if (s === undefined) return;
  this[kResSocket] = undefined;
  const active = (s[kActive] ?? 1) - 1;
  s[kActive] = active;
  if (active !== 0) return;
  s[kIdleSince] = idleClock;
  if (s[kBound]?.draining) s.destroySoon();
}

function sweepIdle(bound: BoundSocket): void {
  bound.sweepIdle();
}

function onSession(this: unknown, session: Http2Session): void {
  const s = session.socket as unknown as TrackedSocket;
  // session.socket is a proxy; the symbol property lands on the real socket.
  s[kSession] = session;
  session.on('error', ignore);
  const bound = s[kBound];
  if (bound?.draining) session.close();
}

function closeIfIdle(s: TrackedSocket): void {
  const session = s[kSession];
  if (session !== undefined) {
    if (!session.closed) session.close();
    return;
  }
  // Idle: flush our FIN, then close without waiting for the client to close its side.
  if (!s[kActive]) s.destroySoon();
}

function onSecureConnection(this: { [kBound]: BoundSocket }, socket: TLSSocket): void {
  const bound = this[kBound];
  const listener = bound.listenerForSni(socket.servername);
  if (listener === null || bound.draining) {
    socket.destroy();
    return;
  }
  if (listener.tls?.clientValidation === 'AllowValidOnly' && !socket.authorized) {
    socket.destroy();
    return;
  }
  bound.track(socket as unknown as TrackedSocket);
}

/** A TLS Terminate connection finished its handshake: route by SNI, then forward the plain bytes. */
function onTerminated(this: { [kBound]: BoundSocket }, socket: TLSSocket): void {
  const bound = this[kBound];
  const listener = bound.terminateListenerForSni(socket.servername);
  const route = listener?.routes.lookup(String(socket.servername).toLowerCase());
  if (listener == null || route === undefined || bound.draining) {
    socket.destroy();
    return;
  }
  if (listener.tls?.clientValidation === 'AllowValidOnly' && !socket.authorized) {
    socket.destroy();
    return;
  }
  socket.on('error', ignore);
  bound.track(socket as unknown as TrackedSocket, true);
  forwardConnection(bound.l4, socket, route, null);
}

function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
}
