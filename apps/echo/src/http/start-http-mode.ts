import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { reportInternalError, type LogSink } from '../log.js';
import { closeTcp, ConnectionSet, listenTcp } from '../net-listen.js';
import type { PodContext } from '../pod-context.js';
import type { EchoServer } from '../running.js';
import { tlsAcceptor, type ServerTlsMaterial, type TlsAcceptor } from '../tls-accept.js';
import { reply, TEXT_PLAIN, type HttpAction } from './action.js';
import type { HttpHandlerContext } from './echo-handler.js';
import {
  H2_PREFACE,
  http2SettingsProblem,
  isH2cUpgrade,
  spliceUpgradeRequest,
  SWITCHING_TO_H2C,
} from './h2c-upgrade.js';
import { handleH2cRequest, handleMuxRequest, type ServerHandlerContext } from './handlers.js';
import { RAW_SOCKET, type WithRawSocket } from './raw-socket.js';
import { fromHttp1, fromHttp2, http1RequestProblem, type EchoHttpRequest } from './request.js';
import { RetryCounters } from './retry-handler.js';
import { isTlsSocket, tlsAssertionsOf, type TlsAssertions } from './tls-assertions.js';
import { writeHttp1, writeHttp2, writeRaw } from './write-action.js';

/** Settings of the HTTP mode (defaults already applied). */
export interface HttpModeConfig {
  readonly host: string;
  readonly httpPort: number;
  /** `null`: no h2c listener. */
  readonly h2cPort: number | null;
  readonly httpsPort: number;
  /** HTTPS is served only with TLS material. */
  readonly tls: ServerTlsMaterial | undefined;
  readonly pod: PodContext;
  readonly log: LogSink;
}

/** Marks a socket whose stream 1 is an upgraded HTTP/1.1 request (the original request). */
const H2C_UPGRADE: unique symbol = Symbol('portway.echo.h2cUpgrade');
type UpgradedSocket = { [H2C_UPGRADE]?: EchoHttpRequest };

type Listener = 'mux' | 'h2c';

/**
 * Starts the HTTP mode: the HTTP/1.1 listener, the h2c listener and, with TLS material, the
 * HTTPS listener (HTTP/1.1 and h2 by ALPN), all answering as upstream's echo server.
 */
export async function startHttpMode(config: HttpModeConfig): Promise<EchoServer> {
  const acceptor: TlsAcceptor | undefined = config.tls ? tlsAcceptor(config.tls, { alpn: ['h2', 'http/1.1'] }) : undefined;
  const trustedDer = acceptor?.trustedDer ?? [];
  const abort = new AbortController();
  const retryCounters = new RetryCounters();
  let ctx: ServerHandlerContext | undefined;
  const context = (): ServerHandlerContext => {
    if (!ctx) throw new Error('request before the HTTP listener was bound');
    return ctx;
  };

  const tlsOf = (socket: unknown): TlsAssertions | undefined =>
    isTlsSocket(socket) ? tlsAssertionsOf(socket, trustedDer) : undefined;

  const run = async (listener: Listener, req: EchoHttpRequest, canHijack: boolean): Promise<HttpAction> => {
    try {
      return listener === 'mux' ? await handleMuxRequest(req, context(), canHijack) : await handleH2cRequest(req, context());
    } catch (err) {
      reportInternalError('request handler failed', err);
      return { kind: 'abort' };
    }
  };

  /** Event handlers are async: a failure must end its connection, never reject unobserved. */
  const guarded =
    <A extends unknown[]>(what: string, handler: (...args: A) => Promise<void>, onFailure: (...args: A) => void) =>
    (...args: A): void => {
      handler(...args).catch((err: unknown) => {
        reportInternalError(what, err);
        onFailure(...args);
      });
    };

  const onHttp1Request = (listener: Listener) => async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const problem = http1RequestProblem(req);
    if (problem) {
      writeHttp1(res, { ...reply(400, [['Content-Type', TEXT_PLAIN]], `400 Bad Request: ${problem}`), close: true });
      return;
    }
    writeHttp1(res, await run(listener, fromHttp1(req, tlsOf(req.socket)), false));
  };

  const onHttp2Request = (listener: Listener) => async (req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> => {
    const socket = req.stream.session?.socket;
    const upgraded = req.stream.id === 1 ? (socket as UpgradedSocket | undefined)?.[H2C_UPGRADE] : undefined;
    const echoReq = upgraded ?? fromHttp2(req, tlsOf(socket));
    const action = await run(listener, echoReq, false);
    if (!res.stream.destroyed && !res.stream.closed) writeHttp2(res, action);
  };

  const h2cHttp2 = http2.createServer();
  const http2Failure = (_req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (!res.stream.destroyed) res.stream.destroy();
  };
  const http1Failure = (req: IncomingMessage): void => {
    req.socket.destroy();
  };
  const upgradeFailure = (_req: IncomingMessage, socket: Duplex): void => {
    socket.destroy();
  };
  h2cHttp2.on('request', guarded('HTTP/2 request', onHttp2Request('h2c'), http2Failure));

  /** An Upgrade request (Node hands the connection over): answered by hand, or switched to h2c. */
  const onHttp1Upgrade = (listener: Listener) => async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    const problem = http1RequestProblem(req);
    if (problem) {
      writeRaw(socket, reply(400, [['Content-Type', TEXT_PLAIN]], `400 Bad Request: ${problem}`), req.method ?? 'GET', head);
      return;
    }
    const contentLength = Number(req.headers['content-length'] ?? 0);
    if (listener === 'h2c' && isH2cUpgrade(req)) {
      const settingsProblem = http2SettingsProblem(req);
      const chunked = req.headers['transfer-encoding'] !== undefined;
      if (settingsProblem || chunked || !Number.isSafeInteger(contentLength) || contentLength < 0) {
        writeRaw(socket, reply(500), req.method ?? 'GET', head);
        return;
      }
      readExactly(socket, head, contentLength, (body, rest) => {
        const original = fromHttp1(req, undefined, body);
        socket.write(SWITCHING_TO_H2C);
        spliceUpgradeRequest(
          socket as net.Socket,
          rest,
          req.method ?? 'GET',
          original.host,
          () => {
            (socket as UpgradedSocket)[H2C_UPGRADE] = original;
            h2cHttp2.emit('connection', socket);
          },
          () => socket.destroy(),
        );
      });
      return;
    }
    const echoReq = fromHttp1(req, tlsOf(socket), head);
    writeRaw(socket, await run(listener, echoReq, true), req.method ?? 'GET', head);
  };

  const muxHttp1 = http.createServer({ requireHostHeader: false });
  muxHttp1.keepAliveTimeout = 0;
  muxHttp1.on('request', guarded('HTTP/1 request', onHttp1Request('mux'), http1Failure));
  muxHttp1.on('upgrade', guarded('HTTP/1 upgrade', onHttp1Upgrade('mux'), upgradeFailure));
  const muxHttp2 = http2.createServer();
  muxHttp2.on('request', guarded('HTTP/2 request', onHttp2Request('mux'), http2Failure));
  const h2cHttp1 = http.createServer({ requireHostHeader: false });
  h2cHttp1.keepAliveTimeout = 0;
  h2cHttp1.on('request', guarded('HTTP/1 request', onHttp1Request('h2c'), http1Failure));
  h2cHttp1.on('upgrade', guarded('HTTP/1 upgrade', onHttp1Upgrade('h2c'), upgradeFailure));

  const connections = new ConnectionSet();
  const track = (socket: net.Socket): void => {
    connections.add(socket);
    (socket as WithRawSocket)[RAW_SOCKET] = socket;
    socket.on('error', () => socket.destroy());
  };

  const httpServer = net.createServer((socket) => {
    track(socket);
    muxHttp1.emit('connection', socket);
  });
  const h2cServer = net.createServer((socket) => {
    track(socket);
    sniffPreface(socket, (isHttp2) => {
      if (isHttp2) {
        h2cHttp2.emit('connection', socket);
      } else {
        h2cHttp1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  const httpsServer = net.createServer((socket) => {
    track(socket);
    acceptor?.accept(socket, (secure) => {
      if (secure.alpnProtocol === 'h2') muxHttp2.emit('connection', secure);
      else muxHttp1.emit('connection', secure);
    });
  });

  const servers: net.Server[] = [];
  const ports: Record<string, number> = {};
  const closeAll = async (): Promise<void> => {
    abort.abort();
    const closing = servers.map((s) => closeTcp(s));
    connections.destroyAll();
    await Promise.all(closing);
  };
  try {
    ports.http = await listenTcp(httpServer, config.host, config.httpPort, 'http listener');
    servers.push(httpServer);
    const handlerContext: HttpHandlerContext = { pod: config.pod, httpPort: String(ports.http), log: config.log, signal: abort.signal };
    ctx = { ...handlerContext, retryCounters };
    config.log(`Starting server, listening on port ${ports.http} (http)`);
    if (config.h2cPort !== null) {
      ports.h2c = await listenTcp(h2cServer, config.host, config.h2cPort, 'h2c listener');
      servers.push(h2cServer);
      config.log(`Starting server, listening on port ${ports.h2c} (h2c)`);
    }
    if (acceptor) {
      ports.https = await listenTcp(httpsServer, config.host, config.httpsPort, 'https listener');
      servers.push(httpsServer);
      config.log(`Starting server, listening on port ${ports.https} (https)`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { ports, close: closeAll };
}

/** Decides, from the first bytes, whether a connection starts with the HTTP/2 preface. */
function sniffPreface(socket: net.Socket, decide: (isHttp2: boolean) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    const n = Math.min(buf.length, H2_PREFACE.length);
    const isPrefix = buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPrefix && buf.length < H2_PREFACE.length) return;
    socket.removeListener('data', onData);
    socket.pause();
    socket.unshift(buf);
    decide(isPrefix);
  };
  socket.on('data', onData);
}

/** Collects `length` body bytes (from `head`, then the socket); hands them over with the rest. */
function readExactly(socket: Duplex, head: Buffer, length: number, done: (body: Buffer, rest: Buffer) => void): void {
  let buf = head;
  const attempt = (): boolean => {
    if (buf.length < length) return false;
    socket.removeListener('data', onData);
    done(buf.subarray(0, length), buf.subarray(length));
    return true;
  };
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    attempt();
  };
  if (!attempt()) socket.on('data', onData);
}
