/**
 * Real backend servers on loopback for end-to-end tests: each answers with JSON describing the
 * request it got (its id, method, path, headers, body), over HTTP/1.1, h2c or HTTPS (h1 + h2).
 * A test can replace the answer per request with `behave`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Seen {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  httpVersion: string;
  /** Client port of the connection (tells whether the proxy reused a keep-alive connection). */
  remotePort: number | undefined;
}

export type Behaviour = (req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse, body: string) => boolean | void;

export interface TestBackend {
  id: string;
  address: string;
  port: number;
  seen: Seen[];
  /** Return true when the behaviour answered; otherwise the echo answers. */
  behave: Behaviour | null;
  server: http.Server | http2.Http2Server | https.Server | http2.Http2SecureServer;
  close(): Promise<void>;
}

export interface BackendOptions {
  id: string;
  address: string;
  protocol?: 'http' | 'h2c' | 'https';
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
}

export async function startBackend(o: BackendOptions): Promise<TestBackend> {
  const seen: Seen[] = [];
  const backend: TestBackend = { id: o.id, address: o.address, port: 0, seen, behave: null, server: null!, close: null! };
  const onRequest = (req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const entry: Seen = {
        id: o.id,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: { ...req.headers } as Seen['headers'],
        body,
        httpVersion: req.httpVersion,
        remotePort: req.socket?.remotePort,
      };
      seen.push(entry);
      if (backend.behave?.(req, res, body)) return;
      const out = JSON.stringify(entry);
      (res as ServerResponse).writeHead(200, { 'content-type': 'application/json', 'x-backend': o.id });
      (res as ServerResponse).end(out);
    });
  };
  const protocol = o.protocol ?? 'http';
  let server: TestBackend['server'];
  if (protocol === 'http') server = http.createServer(onRequest);
  else if (protocol === 'h2c') server = http2.createServer(onRequest);
  else
    server = http2.createSecureServer(
      { cert: o.tls!.cert, key: o.tls!.key, allowHTTP1: true, ...(o.tls!.ca ? { ca: o.tls!.ca, requestCert: o.tls!.requestCert ?? false, rejectUnauthorized: false } : {}) },
      onRequest,
    );
  backend.server = server;
  await new Promise<void>((resolve) => server.listen(0, o.address, resolve));
  backend.port = (server.address() as AddressInfo).port;
  backend.close = () =>
    new Promise<void>((resolve) => {
      (server as http.Server).closeAllConnections?.();
      server.close(() => resolve());
      // http2 servers wait for sessions; do not hang tests on them.
      setTimeout(resolve, 500).unref();
    });
  return backend;
}

/** A port that was free a moment ago on `address`. */
export async function freePort(address: string): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, address, resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
