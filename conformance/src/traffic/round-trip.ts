import http from 'node:http';
import http2 from 'node:http2';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { goCheckServerIdentity } from './tls-identity.js';

/** Protocols a case can ask for (SEMANTICS.md §3). */
export type HttpProtocol = 'HTTP' | 'HTTPS' | 'H2' | 'H2C_PRIOR_KNOWLEDGE';

/** TLS settings of the client: the SNI, the only trusted certificates, the client certificate offered. */
export interface ClientTls {
  serverName?: string;
  /** PEM certificates to trust (instead of the system roots). */
  ca?: string[];
  cert?: string;
  key?: string;
}

/** One request as the suite's Go client would send it. */
export interface RoundTripRequest {
  /** `http://ip:port/path?query` or `https://...`; the path and query are sent as they are. */
  url: string;
  method: string;
  /** Host header / :authority; defaults to the URL's host (without a default port). */
  host?: string;
  /** Header names as they go on the wire (already canonical), each set once. */
  headers: [string, string][];
  protocol: HttpProtocol;
  tls?: ClientTls;
  /** Follow 3xx responses as Go's http.Client does (at most 10). */
  followRedirects: boolean;
  /** Deadline for the whole exchange, redirects included. */
  timeoutMs: number;
  /** Largest body read (bytes). */
  maxBodyBytes?: number;
}

/** What came back. */
export interface RoundTripResponse {
  status: number;
  /** "HTTP/1.1", "HTTP/2.0". */
  proto: string;
  /** Response headers, lower-case names, values in order. */
  headers: Map<string, string[]>;
  body: Buffer;
  /** The URL of the request that produced this response (after redirects). */
  url: string;
  /** Requests made, redirects included. */
  hops: number;
  /** Whether any TLS handshake saw the server ask for a client certificate. */
  clientCertRequested: boolean;
}

/** A transport-level failure (connect, TLS, protocol, timeout). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly clientCertRequested = false,
  ) {
    super(message);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * Sends one HTTP request with the suite's client behaviour: HTTP/1.1 without keep-alive, HTTPS
 * (HTTP/1.1 over TLS, no ALPN), H2 (HTTP/2 over TLS) or H2C with prior knowledge; Go's hostname
 * verification against the given CAs; and, unless told not to, Go's redirect following
 * (301/302/303 turn other methods into GET, 307/308 keep them, the custom Host header survives a
 * relative Location only, at most 10 redirects). Only loopback addresses are ever dialled.
 */
export async function roundTrip(req: RoundTripRequest): Promise<RoundTripResponse> {
  const deadline = Date.now() + req.timeoutMs;
  let url = new URL(req.url);
  let method = req.method;
  let host = req.host;
  let headers = req.headers;
  let certRequested = false;
  for (let hop = 1; ; hop++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new TransportError(`request timed out after ${req.timeoutMs} ms`, 'ETIMEDOUT', certRequested);
    const once = await sendOnce({ url, method, host, headers, protocol: hop === 1 ? req.protocol : protocolFor(req.protocol, url), tls: req.tls, timeoutMs: remaining, maxBodyBytes: req.maxBodyBytes ?? 16 << 20 }).catch(
      (e: unknown) => {
        if (e instanceof TransportError) throw new TransportError(e.message, e.code, e.clientCertRequested || certRequested);
        throw e;
      },
    );
    certRequested ||= once.clientCertRequested;
    const location = once.headers.get('location')?.[0];
    if (!req.followRedirects || !REDIRECTS.has(once.status) || !location) return { ...once, url: url.toString(), hops: hop, clientCertRequested: certRequested };
    if (hop > MAX_REDIRECTS) throw new TransportError(`stopped after ${MAX_REDIRECTS} redirects`, 'EREDIRECTS', certRequested);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new TransportError(`failed to parse Location header ${JSON.stringify(location)}`, 'EBADLOCATION', certRequested);
    }
    const relative = !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !location.startsWith('//');
    if (once.status !== 307 && once.status !== 308 && method !== 'GET' && method !== 'HEAD') method = 'GET';
    // Go keeps a custom Host only when the Location is relative (net/http issue 22233).
    host = host !== undefined && relative ? host : undefined;
    headers = redirectHeaders(headers, url, next);
    url = next;
  }
}

/** The protocol for a redirect hop: the default transports pick by URL scheme. */
function protocolFor(first: HttpProtocol, url: URL): HttpProtocol {
  if (first === 'H2' || first === 'H2C_PRIOR_KNOWLEDGE') return first;
  return url.protocol === 'https:' ? 'HTTPS' : 'HTTP';
}

/** Go's makeHeadersCopier: sensitive headers are dropped when the host changes; Referer is set unless https -> http. */
function redirectHeaders(headers: [string, string][], from: URL, to: URL): [string, string][] {
  const sensitive = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);
  const sameHost = from.hostname === to.hostname || to.hostname.endsWith(`.${from.hostname}`);
  const out = headers.filter(([n]) => n.toLowerCase() !== 'referer' && (sameHost || !sensitive.has(n.toLowerCase())));
  if (!(from.protocol === 'https:' && to.protocol === 'http:')) {
    const ref = new URL(from.toString());
    ref.username = '';
    ref.password = '';
    ref.hash = '';
    out.push(['Referer', ref.toString()]);
  }
  return out;
}

interface OnceRequest {
  url: URL;
  method: string;
  host: string | undefined;
  headers: [string, string][];
  protocol: HttpProtocol;
  tls: ClientTls | undefined;
  timeoutMs: number;
  maxBodyBytes: number;
}

type OnceResponse = Omit<RoundTripResponse, 'url' | 'hops'>;

function sendOnce(r: OnceRequest): Promise<OnceResponse> {
  const hostname = r.url.hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(hostname)) {
    return Promise.reject(new TransportError(`not dialling ${r.url.host}: the runner only connects to loopback addresses (127.0.0.0/8, ::1)`, 'ENOTLOOPBACK'));
  }
  const https = r.url.protocol === 'https:';
  const port = Number(r.url.port || (https ? 443 : 80));
  const authority = r.host ?? hostWithoutDefaultPort(r.url);
  const path = `${r.url.pathname}${r.url.search}`;
  if (r.protocol === 'H2' || r.protocol === 'H2C_PRIOR_KNOWLEDGE') return sendH2(r, hostname, port, authority, path);
  return sendH1(r, hostname, port, authority, path, https || r.protocol === 'HTTPS');
}

function sendH1(r: OnceRequest, hostname: string, port: number, authority: string, path: string, useTls: boolean): Promise<OnceResponse> {
  return new Promise((resolve, reject) => {
    let certRequested = false;
    let settled = false;
    const fail = (e: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e instanceof TransportError ? e : new TransportError(e.message, e.code, certRequested));
    };
    const socket: Socket = useTls ? tlsSocket(r.tls, hostname, port, [], () => (certRequested = true)) : netConnect({ host: hostname, port });
    // Keep-alives are disabled, as in the suite's client: "Connection: close" on every request.
    const headers: Record<string, string> = { Host: authority };
    for (const [n, v] of r.headers) headers[n] = v;
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'connection')) headers['Connection'] = 'close';
    // No agent: the socket comes from createConnection (an agent would dial on its own).
    const req = http.request({ createConnection: () => socket, method: r.method, path, headers, setHost: false });
    const timer = setTimeout(() => {
      const e = new TransportError(`request timed out after ${r.timeoutMs} ms`, 'ETIMEDOUT', certRequested);
      fail(e);
      req.destroy(e);
      socket.destroy();
    }, r.timeoutMs);
    req.on('error', fail);
    socket.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > r.maxBodyBytes) {
          fail(new TransportError(`response body larger than ${r.maxBodyBytes} bytes`, 'EBODY', certRequested));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, proto: `HTTP/${res.httpVersion}`, headers: rawHeaderMap(res.rawHeaders), body: Buffer.concat(chunks), clientCertRequested: certRequested });
      });
    });
    req.end();
  });
}

function sendH2(r: OnceRequest, hostname: string, port: number, authority: string, path: string): Promise<OnceResponse> {
  return new Promise((resolve, reject) => {
    let certRequested = false;
    let settled = false;
    const tls = r.protocol === 'H2';
    const session = http2.connect(`${tls ? 'https' : 'http'}://${hostname}:${port}`, {
      createConnection: () => (tls ? tlsSocket(r.tls, hostname, port, ['h2'], () => (certRequested = true)) : netConnect({ host: hostname, port })),
    });
    const fail = (e: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      reject(e instanceof TransportError ? e : new TransportError(e.message, e.code, certRequested));
    };
    const timer = setTimeout(() => fail(new TransportError(`request timed out after ${r.timeoutMs} ms`, 'ETIMEDOUT', certRequested)), r.timeoutMs);
    session.on('error', fail);
    const headers: http2.OutgoingHttpHeaders = { ':method': r.method, ':path': path, ':authority': authority, ':scheme': tls ? 'https' : 'http' };
    for (const [n, v] of r.headers) headers[n.toLowerCase()] = v;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: true });
    } catch (e) {
      fail(e as Error);
      return;
    }
    stream.on('error', fail);
    stream.on('response', (h) => {
      const status = Number(h[':status']);
      const map = new Map<string, string[]>();
      for (const [k, v] of Object.entries(h)) {
        if (k.startsWith(':') || v === undefined) continue;
        map.set(k.toLowerCase(), Array.isArray(v) ? v.map(String) : [String(v)]);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > r.maxBodyBytes) fail(new TransportError(`response body larger than ${r.maxBodyBytes} bytes`, 'EBODY', certRequested));
        else chunks.push(c);
      });
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.close();
        resolve({ status, proto: 'HTTP/2.0', headers: map, body: Buffer.concat(chunks), clientCertRequested: certRequested });
      });
    });
  });
}

/**
 * A TLS connection as the suite's Go client makes it: SNI = serverName (none for an IP), only the
 * given CAs trusted, Go hostname rules, the client certificate offered when asked. `onCertRequest`
 * is called when the server sent a CertificateRequest (the peer's signature algorithms for client
 * authentication are then known to OpenSSL).
 */
export function tlsSocket(t: ClientTls | undefined, hostname: string, port: number, alpn: string[], onCertRequest: () => void): TLSSocket {
  const serverName = t?.serverName || hostname;
  const opts: ConnectionOptions = {
    host: hostname,
    port,
    minVersion: 'TLSv1.2',
    checkServerIdentity: goCheckServerIdentity,
    rejectUnauthorized: true,
    ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
    ...(t?.ca && t.ca.length > 0 ? { ca: t.ca } : {}),
    ...(t?.cert && t.key ? { cert: t.cert, key: t.key } : {}),
    ...(alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
  };
  // checkServerIdentity receives the servername when set, else the host: verify against serverName as Go does.
  const socket = tlsConnect(opts);
  socket.once('secureConnect', () => {
    if (clientCertWasRequested(socket)) onCertRequest();
  });
  return socket;
}

/** Whether the server asked this (client) connection for a certificate. */
export function clientCertWasRequested(socket: TLSSocket): boolean {
  try {
    return (socket.getSharedSigalgs() ?? []).length > 0;
  } catch {
    return false;
  }
}

function rawHeaderMap(raw: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    map.set(k, [...(map.get(k) ?? []), raw[i + 1]!]);
  }
  return map;
}

function hostWithoutDefaultPort(url: URL): string {
  return url.host;
}

/** 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
