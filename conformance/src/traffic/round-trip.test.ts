import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHeaderKey, encodeQuery, parseQuery, withQueryParam } from './go-compat.js';
import { roundTrip, TransportError, type RoundTripRequest } from './round-trip.js';

/** A real server: /redirect?code=&to= answers with a redirect; /slow never answers; anything else reports the request it got. */
let server: Server;
let base = '';
const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined>; raw: string[] }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url!, 'http://x');
    if (u.pathname === '/slow') return;
    if (u.pathname === '/redirect') {
      res.writeHead(Number(u.searchParams.get('code')), { location: u.searchParams.get('to')!.replace('SELF', base) });
      return res.end();
    }
    if (u.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, raw: req.rawHeaders });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, host: req.headers.host, url: req.url, referer: req.headers.referer ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.1.202.1', r));
  base = `http://127.1.202.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = (path: string, extra: Partial<RoundTripRequest> = {}): RoundTripRequest => ({
  url: `${base}${path}`,
  method: 'GET',
  headers: [['X-Echo-Set-Header', '']],
  protocol: 'HTTP',
  followRedirects: true,
  timeoutMs: 3000,
  ...extra,
});
const body = async (r: RoundTripRequest) => JSON.parse((await roundTrip(r)).body.toString()) as { method: string; host: string; url: string; referer: string | null };
const via = (code: number, to: string) => `/redirect?code=${code}&to=${encodeURIComponent(to)}`;

describe('roundTrip on the wire', () => {
  it('sends the raw path and query, the Host override, canonical header names, and Connection: close', async () => {
    seen.length = 0;
    const res = await roundTrip(request('/p/a?b=1&b=2', { host: 'example.com:8080', headers: [['X-Echo-Set-Header', ''], [canonicalHeaderKey('access-control-request-method'), 'GET']] }));
    expect(res.status).toBe(200);
    expect(res.proto).toBe('HTTP/1.1');
    const s = seen[0]!;
    expect(s.url).toBe('/p/a?b=1&b=2');
    expect(s.headers.host).toBe('example.com:8080');
    expect(s.raw).toContain('Access-Control-Request-Method');
    expect(s.raw).toContain('X-Echo-Set-Header');
    expect(s.headers['x-echo-set-header']).toBe('');
    expect(s.headers.connection).toBe('close');
  });

  it('leaves the default port out of the Host header', async () => {
    expect(canonicalHeaderKey('x-header-set')).toBe('X-Header-Set');
    expect(canonicalHeaderKey('bad header')).toBe('bad header');
    const b = await body(request('/h'));
    expect(b.host).toBe(new URL(base).host);
  });

  it('times out and refuses non-loopback addresses', async () => {
    await expect(roundTrip(request('/slow', { timeoutMs: 300 }))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(roundTrip(request('/', { url: 'http://192.0.2.1/' }))).rejects.toBeInstanceOf(TransportError);
    await expect(roundTrip(request('/', { url: 'http://192.0.2.1/' }))).rejects.toThrow(/only connects to loopback/);
  });
});

describe('redirect following (Go http.Client)', () => {
  it('turns POST into GET on 301/302/303 and keeps it on 307/308', async () => {
    for (const code of [301, 302, 303]) expect((await body(request(via(code, '/target'), { method: 'POST' }))).method).toBe('GET');
    for (const code of [307, 308]) expect((await body(request(via(code, '/target'), { method: 'POST' }))).method).toBe('POST');
  });

  it('keeps a custom Host for a relative Location only, and sets Referer', async () => {
    const rel = await body(request(via(302, '/target'), { host: 'example.com' }));
    expect(rel.host).toBe('example.com');
    expect(rel.referer).toMatch(/\/redirect\?code=302/);
    const abs = await body(request(via(302, 'SELF/target'), { host: 'example.com' }));
    expect(abs.host).toBe(new URL(base).host);
  });

  it('returns the 3xx itself when not following, or when there is no Location', async () => {
    const res = await roundTrip(request(via(302, '/target'), { followRedirects: false }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toEqual(['/target']);
  });

  it('stops after 10 redirects and does not follow a redirect off loopback', async () => {
    await expect(roundTrip(request('/loop'))).rejects.toThrow(/stopped after 10 redirects/);
    await expect(roundTrip(request(via(302, 'http://example.org/x')))).rejects.toThrow(/not dialling example.org/);
  });
});

describe('Go query encoding', () => {
  it('adds or sets a parameter with keys sorted, as url.Values.Encode does', () => {
    expect(withQueryParam('/mirror', 'id', 'u-1', true)).toBe('/mirror?id=u-1');
    expect(withQueryParam('/m?z=1&a=b c', 'id', 'x')).toBe('/m?a=b+c&id=x&z=1');
    expect(withQueryParam('/m?id=1', 'id', '2', true)).toBe('/m?id=1&id=2');
    expect(encodeQuery(parseQuery('b=2&a=1'))).toBe('a=1&b=2');
  });
});
