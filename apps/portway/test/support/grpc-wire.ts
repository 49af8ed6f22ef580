/**
 * The gRPC wire format over node:http2, for system tests: length-prefixed messages, a client
 * call (unary or streaming, h2c with prior knowledge or TLS with ALPN h2) whose status comes from
 * the trailers or a trailers-only response, and a streaming test server (bidirectional `Chat`,
 * server-streaming `Count`, client-streaming `Sum`) that records what it receives and when.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/** One length-prefixed gRPC message (uncompressed). */
export function frame(payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Cuts a byte stream into gRPC messages. */
export class FrameReader {
  private buf = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 5 && this.buf.length >= 5 + this.buf.readUInt32BE(1)) {
      const len = this.buf.readUInt32BE(1);
      const m = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      this.onMessage(m);
    }
  }
}

export interface CallResult {
  /** HTTP status of the response (200 for every gRPC answer, errors included). */
  httpStatus: number;
  /** `grpc-status` from the trailers, or from the headers of a trailers-only response. */
  grpcStatus: number;
  grpcMessage: string;
  headers: http2.IncomingHttpHeaders;
  messages: Buffer[];
}

/**
 * One RPC on `session`. `send` messages are written (the call then half-closes unless `keepOpen`);
 * `next()` waits for the next response message; `done` settles with the final status.
 */
export class GrpcCall {
  readonly messages: Buffer[] = [];
  /** Arrival time (ms) of each response message. */
  readonly arrivals: number[] = [];
  readonly done: Promise<CallResult>;
  private waiting: ((m: Buffer) => void) | null = null;
  private consumed = 0;
  private readonly stream: http2.ClientHttp2Stream;

  constructor(session: http2.ClientHttp2Session, path: string, o: { authority?: string; headers?: Record<string, string>; send?: (Buffer | string)[]; keepOpen?: boolean } = {}) {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      ...(o.authority !== undefined ? { ':authority': o.authority } : {}),
      'content-type': 'application/grpc',
      te: 'trailers',
      ...o.headers,
    });
    this.stream = stream;
    const reader = new FrameReader((m) => {
      this.messages.push(m);
      this.arrivals.push(Date.now());
      const w = this.waiting;
      this.waiting = null;
      w?.(m);
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => reader.push(c));
    this.done = new Promise((resolve, reject) => {
      stream.on('error', reject);
      stream.on('close', () => {
        const source = trailers ?? headers;
        const status = source['grpc-status'];
        if (status === undefined) {
          reject(new Error(`no grpc-status (HTTP ${String(headers[':status'])}, rst ${stream.rstCode})`));
          return;
        }
        resolve({
          httpStatus: Number(headers[':status']),
          grpcStatus: Number(status),
          grpcMessage: decodeURIComponent(String(source['grpc-message'] ?? '')),
          headers,
          messages: this.messages,
        });
      });
    });
    this.done.catch(() => undefined);
    for (const m of o.send ?? []) stream.write(frame(m));
    if (!o.keepOpen) stream.end();
  }

  write(m: Buffer | string): void {
    this.stream.write(frame(m));
  }

  end(): void {
    this.stream.end();
  }

  /** The next response message (rejects after `timeoutMs`). */
  next(timeoutMs = 5000): Promise<string> {
    const already = this.messages.length > this.consumed ? this.messages[this.consumed] : undefined;
    if (already !== undefined) {
      this.consumed++;
      return Promise.resolve(already.toString());
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message in time')), timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        this.consumed++;
        resolve(m.toString());
      };
    });
  }
}

/** A fresh HTTP/2 session: h2c with prior knowledge, or TLS (ALPN h2) with `tls`. */
export function connect(origin: string, tls?: { ca: string; servername: string }): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(origin, tls ? { ca: tls.ca, servername: tls.servername, ALPNProtocols: ['h2'] } : {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export interface StreamServer {
  id: string;
  address: string;
  port: number;
  /** Every call: path, request headers, and each request message with its arrival time. */
  calls: { path: string; headers: http2.IncomingHttpHeaders; received: { message: string; at: number }[] }[];
  close(): Promise<void>;
}

/**
 * The streaming test service `test.Stream` on plain HTTP/2 (what a gRPC backend speaks):
 * - `Chat` (bidirectional): answers each message at once with "<id>:<message>";
 * - `Count` (server streaming): the request "n,ms" gets n messages "<id>:<i>", one every ms;
 * - `Sum` (client streaming): answers "<id>:<count>" once the client ends.
 * Any other method: trailers-only UNIMPLEMENTED.
 */
export async function startStreamServer(id: string, address: string): Promise<StreamServer> {
  const server = http2.createServer();
  const calls: StreamServer['calls'] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const call = { path, headers, received: [] as { message: string; at: number }[] };
    calls.push(call);
    const method = path.split('/').pop();
    if (!['Chat', 'Count', 'Sum'].includes(method ?? '')) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.on('error', () => undefined);
    const reader = new FrameReader((m) => {
      const message = m.toString();
      call.received.push({ message, at: Date.now() });
      if (method === 'Chat') stream.write(frame(`${id}:${message}`));
      if (method === 'Count') {
        const [n, ms] = message.split(',').map(Number) as [number, number];
        let i = 0;
        const tick = setInterval(() => {
          if (stream.destroyed) return clearInterval(tick);
          stream.write(frame(`${id}:${i++}`));
          if (i >= n) {
            clearInterval(tick);
            stream.end();
          }
        }, ms);
      }
    });
    stream.on('data', (c: Buffer) => reader.push(c));
    stream.on('end', () => {
      if (method === 'Chat') stream.end();
      if (method === 'Sum') stream.end(frame(`${id}:${call.received.length}`));
    });
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  return {
    id,
    address,
    port: (server.address() as AddressInfo).port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
