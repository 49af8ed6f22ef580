import type { BackendExpectation, HttpResponseData, RedirectExpectation } from '../suite/types.js';

/** What the echo backend reported about the request it received (empty when the body was not echo JSON). */
export interface CapturedRequest {
  path: string;
  host: string;
  method: string;
  proto?: string;
  headers: Record<string, string[]>;
  namespace: string;
  pod: string;
  httpPort?: string;
  tls?: { serverName?: string; peerCertificates?: string[]; version?: string; negotiatedProtocol?: string };
}

/** The response as the comparison sees it. */
export interface CapturedResponse {
  status: number;
  proto: string;
  /** Lower-case names. */
  headers: Map<string, string[]>;
}

/** The expectation of an `http` case, after placeholders and run-time values are resolved. */
export interface HttpExpectation {
  /** The request method (used for the empty captured request). */
  requestMethod: string;
  response: HttpResponseData;
  backend?: BackendExpectation;
  /** Present when the case has `redirectRequest`. */
  redirect?: RedirectExpectation;
}

const TIMEOUT_CODES = [408, 504];
const REDIRECT_CODES = new Set([300, 301, 302, 303, 304, 305, 307, 308]);

/**
 * Parses the echo backend's reply the way upstream does: only when the Content-Type header is
 * exactly `application/json`; otherwise the captured request is empty but for the method, which is
 * the request's. A JSON body that does not parse is an error (the attempt fails).
 */
export function captureRequest(headers: Map<string, string[]>, body: Buffer, requestMethod: string): CapturedRequest {
  const empty: CapturedRequest = { path: '', host: '', method: requestMethod, headers: {}, namespace: '', pod: '' };
  if (headers.get('content-type')?.[0] !== 'application/json') return empty;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new Error(`unexpected error reading response: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('unexpected error reading response: not a JSON object');
  const o = parsed as Record<string, unknown>;
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return {
    path: s('path'),
    host: s('host'),
    method: s('method'),
    proto: s('proto'),
    headers: typeof o['headers'] === 'object' && o['headers'] !== null ? (o['headers'] as Record<string, string[]>) : {},
    namespace: s('namespace'),
    pod: s('pod'),
    httpPort: s('httpPort'),
    tls: typeof o['tls'] === 'object' && o['tls'] !== null ? (o['tls'] as CapturedRequest['tls']) : undefined,
  };
}

/**
 * Upstream CompareRoundTrip (SEMANTICS.md §3): the status (408 and 504 interchangeable when either
 * is expected), the protocol, then — only for 200/204 — the backend expectation and the response
 * headers, or — for a redirect status with a redirect expectation — the Location. Returns
 * undefined when the round trip matches, else why not.
 */
export function compareRoundTrip(exp: HttpExpectation, captured: CapturedRequest, res: CapturedResponse): string | undefined {
  const codes = exp.response.statusCodes ?? [200];
  const timeoutMatch = TIMEOUT_CODES.includes(res.status) && codes.some((c) => TIMEOUT_CODES.includes(c));
  if (!timeoutMatch && !codes.includes(res.status)) return `expected status code to be one of [${codes.join(' ')}], got ${res.status}`;
  if (exp.response.protocol && exp.response.protocol !== res.proto) return `expected protocol ${exp.response.protocol}, got ${res.proto}`;
  if (res.status === 200 || res.status === 204) {
    const why = compareBackend(exp.backend ?? {}, captured);
    if (why) return why;
    return compareResponseHeaders(exp.response, res.headers);
  }
  if (REDIRECT_CODES.has(res.status) && exp.redirect) return compareRedirect(exp.redirect, res.headers.get('location')?.[0]);
  return undefined;
}

function compareBackend(b: BackendExpectation, c: CapturedRequest): string | undefined {
  if (b.host && b.host !== c.host) return `expected host to be ${b.host}, got ${c.host}`;
  if ((b.path ?? '') !== c.path) return `expected path to be ${b.path ?? ''}, got ${c.path}`;
  if ((b.method ?? 'GET') !== c.method) return `expected method to be ${b.method ?? 'GET'}, got ${c.method}`;
  if ((b.namespace ?? '') !== c.namespace) return `expected namespace to be ${b.namespace ?? ''}, got ${c.namespace}`;
  for (const [name, want] of Object.entries(b.headers ?? {})) {
    const got = headerValues(c.headers, name);
    if (got === undefined) return `expected ${name} header to be set, actual headers: ${JSON.stringify(c.headers)}`;
    if (got.join(',') !== want) return `expected ${name} header to be set to ${want}, got ${got.join(',')}`;
  }
  for (const name of b.absentHeaders ?? []) {
    if (headerValues(c.headers, name) !== undefined) return `expected ${name} header to not be set, got ${headerValues(c.headers, name)!.join(',')}`;
  }
  if (b.podNamePrefix && !c.pod.startsWith(b.podNamePrefix)) return `expected pod name to start with ${b.podNamePrefix}, got ${c.pod}`;
  if (b.tlsServerName !== undefined && b.tlsServerName !== '' && (c.tls?.serverName ?? '') !== b.tlsServerName)
    return `expected the backend to see TLS server name ${b.tlsServerName}, got ${c.tls?.serverName ?? '(no TLS)'}`;
  if (typeof b.tlsPeerCertificateContains === 'string' && b.tlsPeerCertificateContains !== '' && !(c.tls?.peerCertificates ?? []).includes(b.tlsPeerCertificateContains))
    return `expected the backend to see the client certificate, got ${(c.tls?.peerCertificates ?? []).length} peer certificate(s)`;
  if (b.httpPort !== undefined && b.httpPort !== '' && b.httpPort !== c.httpPort) return `expected httpPort ${b.httpPort}, got ${c.httpPort}`;
  return undefined;
}

function compareResponseHeaders(r: HttpResponseData, headers: Map<string, string[]>): string | undefined {
  const norm = (s: string) => (r.ignoreWhitespace ? s.replace(/ /g, '') : s);
  for (const [name, valid] of Object.entries(r.validHeaderValues ?? {})) {
    const got = headers.get(name.toLowerCase());
    if (got === undefined) return `expected response header ${name} to be set`;
    const actual = norm(got.join(','));
    if (!valid.some((v) => norm(v) === actual)) return `expected response header ${name} to be one of ${JSON.stringify(valid)}, got ${got.join(',')}`;
  }
  for (const [name, want] of Object.entries(r.headers ?? {})) {
    const got = headers.get(name.toLowerCase());
    if (got === undefined) return `expected response header ${name} to be set to ${want}, it is not set`;
    if (norm(got.join(',')) !== norm(want)) return `expected response header ${name} to be set to ${want}, got ${got.join(',')}`;
  }
  for (const name of r.absentHeaders ?? []) {
    const got = headers.get(name.toLowerCase());
    if (got !== undefined) return `expected response header ${name} to not be set, got ${got.join(',')}`;
  }
  return undefined;
}

function compareRedirect(e: RedirectExpectation, location: string | undefined): string | undefined {
  if (location === undefined) return 'expected a Location header in the redirect response';
  let url: { scheme: string; hostname: string; port: string; path: string };
  try {
    url = parseGoUrl(location);
  } catch {
    return `cannot parse Location ${JSON.stringify(location)}`;
  }
  if (e.scheme !== undefined && e.scheme !== url.scheme) return `expected redirect scheme to be ${e.scheme}, got ${url.scheme}`;
  if (e.host !== undefined && e.host !== null && e.host !== url.hostname) return `expected redirect host to be ${e.host}, got ${url.hostname}`;
  if (e.path !== undefined && e.path !== url.path) return `expected redirect path to be ${e.path}, got ${url.path}`;
  if (e.port?.equals !== undefined) {
    if (url.port !== e.port.equals) return `expected redirect port to be ${e.port.equals}, got ${url.port || '(none)'}`;
  } else {
    const ok = url.scheme === 'http' ? ['', '80'] : url.scheme === 'https' ? ['', '443'] : undefined;
    if (ok && !ok.includes(url.port)) return `expected redirect port to be empty or ${ok[1]} for ${url.scheme}, got ${url.port}`;
  }
  return undefined;
}

/**
 * Splits a Location the way Go's url.Parse + Hostname()/Port()/Path do: a relative reference
 * has an empty scheme and host; the port is kept as written (":80" stays "80").
 */
export function parseGoUrl(s: string): { scheme: string; hostname: string; port: string; path: string } {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?[^#]*)?(?:#.*)?$/.exec(s);
  if (!m) throw new Error('unparsable');
  const scheme = (m[1] ?? '').toLowerCase();
  const authority = m[2] ?? '';
  const hostport = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  let hostname = hostport;
  let port = '';
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostport);
  if (v6) {
    hostname = v6[1]!;
    port = v6[2] ?? '';
  } else {
    const i = hostport.lastIndexOf(':');
    if (i >= 0) {
      hostname = hostport.slice(0, i);
      port = hostport.slice(i + 1);
    }
  }
  let path = m[3] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    // Go keeps the raw path when it cannot unescape; so do we.
  }
  return { scheme, hostname, port, path };
}

/** Header values by name, case-insensitively (echo JSON uses Go canonical names). */
function headerValues(headers: Record<string, string[]>, name: string): string[] | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return Array.isArray(v) ? v : [String(v)];
  return undefined;
}
