/** Clients for end-to-end tests: plain node:http requests (one connection each) and HTTP/2. */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';

export interface Reply {
  status: number;
  /** Client-side port of the connection that carried the request (HTTP/1.1 helpers). */
  localPort?: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface Req {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: http.Agent | false;
}

function reply(status: number, headers: http.IncomingHttpHeaders, body: string): Reply {
  return { status, headers, body, json: () => JSON.parse(body) };
}

export function get(address: string, port: number, o: Req = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: address,
        port,
        method: o.method ?? 'GET',
        path: o.path ?? '/',
        headers: { ...(o.host !== undefined ? { host: o.host } : {}), ...o.headers },
        agent: o.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const localPort = res.socket.localPort;
        res.on('end', () => resolve({ ...reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString()), localPort }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

export interface TlsReq extends Req {
  servername?: string;
  ca: string;
  cert?: string;
  key?: string;
}

export function getTls(address: string, port: number, o: TlsReq): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address,
        port,
        method: o.method ?? 'GET',
        path: o.path ?? '/',
        headers: { ...(o.host !== undefined ? { host: o.host } : {}), ...o.headers },
        servername: o.servername,
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString())));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One HTTP/2 request on a fresh session (h2c when `tls` is absent). */
export function getH2(
  origin: string,
  o: Req & { tls?: { ca: string; servername?: string } },
): Promise<Reply & { alpn: string | false | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, o.tls ? { ca: o.tls.ca, servername: o.tls.servername } : {});
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = { ':method': o.method ?? 'GET', ':path': o.path ?? '/', ...o.headers };
    if (o.host !== undefined) headers[':authority'] = o.host;
    const stream = session.request(headers, { endStream: o.body === undefined });
    if (o.body !== undefined) stream.end(o.body);
    let status = 0;
    let resHeaders: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h as http.IncomingHttpHeaders;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const alpn = (session.socket as { alpnProtocol?: string | false }).alpnProtocol;
      session.close();
      resolve({ ...reply(status, resHeaders, Buffer.concat(chunks).toString()), alpn });
    });
    stream.on('error', reject);
  });
}
