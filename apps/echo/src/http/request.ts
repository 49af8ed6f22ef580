import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Http2ServerRequest } from 'node:http2';
import { canonicalHeaderKey } from '../go/canonical-header-key.js';
import { latin1ToGoString } from '../go/go-string.js';
import { joinHostPort } from '../go/host-port.js';
import type { TlsAssertions } from './tls-assertions.js';

/** One request header line: the name as received and its value (Go string, see go-string.ts). */
export type HeaderLine = readonly [name: string, value: string];

/**
 * A request as the upstream echo handlers see it (Go's `*http.Request`), independent of the
 * transport that carried it (HTTP/1.1, HTTP/2, an h2c upgrade, TLS or not).
 */
export interface EchoHttpRequest {
  /** `r.RequestURI`: the request-target exactly as received (path and `?query`). */
  readonly requestUri: string;
  /** `r.Host`: the Host header, `:authority`, or the host of an absolute-form target. */
  readonly host: string;
  readonly method: string;
  /** `r.Proto`: `HTTP/1.1`, `HTTP/1.0`, `HTTP/2.0`. */
  readonly proto: string;
  /** `r.Header` lines in arrival order (Host excluded), names as received. */
  readonly headerLines: readonly HeaderLine[];
  /** `r.RemoteAddr`, `ip:port` (IPv6 in brackets). */
  readonly remoteAddr: string;
  /** Set when the request arrived over TLS. */
  readonly tls: TlsAssertions | undefined;
  /** Reads the request body (at most `limit` bytes; more yields `undefined`). */
  readonly readBody: (limit: number) => Promise<Buffer | undefined>;
}

/** `r.Header` as Go builds it: canonical names, values per line, in arrival order. */
export function canonicalHeaders(req: EchoHttpRequest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of req.headerLines) {
    const key = canonicalHeaderKey(name);
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** `r.Header.Get(name)`: the first value, or `''`. */
export function headerGet(req: EchoHttpRequest, name: string): string {
  const key = canonicalHeaderKey(name);
  for (const [n, v] of req.headerLines) if (canonicalHeaderKey(n) === key) return v;
  return '';
}

/** `r.Header.Values(name)`. */
export function headerValues(req: EchoHttpRequest, name: string): string[] {
  const key = canonicalHeaderKey(name);
  return req.headerLines.filter(([n]) => canonicalHeaderKey(n) === key).map(([, v]) => v);
}

/** Pairs of Node's `rawHeaders` (latin1 strings) as Go strings. */
function pairs(raw: readonly string[]): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, latin1ToGoString(raw[i + 1]!)]);
  return out;
}

/** The host of an absolute-form request-target (`http://host/path`), without user info. */
export function absoluteFormHost(target: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
  if (!m) return undefined;
  const authority = m[1]!;
  const at = authority.lastIndexOf('@');
  return at >= 0 ? authority.slice(at + 1) : authority;
}

function readBodyFrom(stream: Readable): (limit: number) => Promise<Buffer | undefined> {
  let done: Promise<Buffer | undefined> | undefined;
  return (limit) => {
    done ??= new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      stream.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > limit) over = true;
        else chunks.push(chunk);
      });
      stream.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
      stream.on('error', () => resolve(over ? undefined : Buffer.concat(chunks)));
      stream.on('close', () => resolve(over ? undefined : Buffer.concat(chunks)));
    });
    return done;
  };
}

/** Problems Go's HTTP/1 server answers with `400 Bad Request: <reason>` before any handler. */
export function http1RequestProblem(req: IncomingMessage): string | undefined {
  const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'host');
  if (hosts.length > 1) return 'too many Host headers';
  if (hosts.length === 0 && req.httpVersion === '1.1') return 'missing required Host header';
  return undefined;
}

/**
 * An HTTP/1.x request as Go's server sees it: Host moved out of the headers, Transfer-Encoding
 * removed (Go keeps it in `r.TransferEncoding`), the host of an absolute-form target preferred.
 */
export function fromHttp1(req: IncomingMessage, tls: TlsAssertions | undefined, body?: Buffer): EchoHttpRequest {
  const lines = pairs(req.rawHeaders);
  const hostLine = lines.find(([n]) => n.toLowerCase() === 'host');
  const target = latin1ToGoString(req.url ?? '');
  const headerLines = lines.filter(([n]) => {
    const l = n.toLowerCase();
    return l !== 'host' && l !== 'transfer-encoding';
  });
  return {
    requestUri: target,
    host: absoluteFormHost(target) || (hostLine?.[1] ?? ''),
    method: req.method ?? 'GET',
    proto: `HTTP/${req.httpVersion}`,
    headerLines,
    remoteAddr: joinHostPort(req.socket.remoteAddress, req.socket.remotePort),
    tls,
    readBody: body === undefined ? readBodyFrom(req) : async (limit) => (body.length > limit ? undefined : body),
  };
}

/**
 * An HTTP/2 request as Go's http2 server sees it: pseudo-headers left out (`:authority` becomes
 * the host), several `cookie` fields merged into one with `; `.
 */
export function fromHttp2(req: Http2ServerRequest, tls: TlsAssertions | undefined): EchoHttpRequest {
  const lines = pairs(req.rawHeaders).filter(([n]) => !n.startsWith(':') && n !== 'host');
  const cookies = lines.filter(([n]) => n === 'cookie');
  let headerLines: HeaderLine[] = lines;
  if (cookies.length > 1) {
    const merged: HeaderLine = ['cookie', cookies.map(([, v]) => v).join('; ')];
    const first = lines.indexOf(cookies[0]!);
    headerLines = lines.filter(([n]) => n !== 'cookie');
    headerLines.splice(first, 0, merged);
  }
  const authority = req.headers[':authority'];
  const hostHeader = req.headers.host;
  const socket = req.stream.session?.socket;
  return {
    requestUri: latin1ToGoString(req.headers[':path'] ?? ''),
    host: latin1ToGoString(authority || (typeof hostHeader === 'string' ? hostHeader : '') || ''),
    method: req.method,
    proto: 'HTTP/2.0',
    headerLines,
    remoteAddr: joinHostPort(socket?.remoteAddress, socket?.remotePort),
    tls,
    readBody: readBodyFrom(req),
  };
}
