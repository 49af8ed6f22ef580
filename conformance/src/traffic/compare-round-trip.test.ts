import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realStartEcho, testPki, type TestPki } from '../../test/helpers/echo.js';
import type { EchoHandle } from '../cluster/echo-contract.js';
import { captureRequest, compareRoundTrip, parseGoUrl, type HttpExpectation } from './compare-round-trip.js';
import { roundTrip, type RoundTripRequest } from './round-trip.js';

const HOST = '127.1.201.1';
let echo: EchoHandle;
let echoMtls: EchoHandle;
let pki: TestPki;
let redirects: Server;
let redirectPort = 0;

beforeAll(async () => {
  pki = await testPki();
  echo = await realStartEcho({ host: HOST, mode: 'http', httpPort: 0, h2cPort: 0, httpsPort: 0, tls: pki.validity, podName: 'infra-backend-v1-abc-1', namespace: 'gateway-conformance-infra' });
  echoMtls = await realStartEcho({ host: '127.1.201.2', mode: 'http', httpPort: 0, h2cPort: 0, httpsPort: 0, tls: { ...pki.validity, clientCAs: pki.caA }, podName: 'p-a-b', namespace: 'ns' });
  redirects = createServer((req, res) => {
    const to = new URL(req.url!, 'http://x').searchParams.get('to')!;
    res.writeHead(Number(new URL(req.url!, 'http://x').searchParams.get('code') ?? 302), { location: to });
    res.end();
  });
  await new Promise<void>((r) => redirects.listen(0, HOST, r));
  redirectPort = (redirects.address() as AddressInfo).port;
});
afterAll(async () => {
  await echo?.close();
  await echoMtls?.close();
  await new Promise<void>((r) => redirects?.close(() => r()));
});

const req = (path: string, extra: Partial<RoundTripRequest> = {}): RoundTripRequest => ({
  url: `http://${HOST}:${echo.ports['http']}${path}`,
  method: 'GET',
  headers: [['X-Echo-Set-Header', '']],
  protocol: 'HTTP',
  followRedirects: false,
  timeoutMs: 5000,
  ...extra,
});

/** One round trip compared as upstream's CompareRoundTrip does; returns undefined on a match. */
async function compare(r: RoundTripRequest, exp: HttpExpectation): Promise<string | undefined> {
  const res = await roundTrip(r);
  return compareRoundTrip(exp, captureRequest(res.headers, res.body, r.method), res);
}

describe('CompareRoundTrip against the echo backend', () => {
  const backend = { path: '/foo?x=1', method: 'GET', namespace: 'gateway-conformance-infra', podNamePrefix: 'infra-backend-v1' };

  it('passes when status, path, host, method, namespace, pod prefix and headers match', async () => {
    const r = req('/foo?x=1', { host: 'example.com', headers: [['X-Echo-Set-Header', ''], ['Some-Header', 'a']] });
    expect(await compare(r, { requestMethod: 'GET', response: { statusCodes: [200] }, backend: { ...backend, host: 'example.com', headers: { 'some-header': 'a' }, absentHeaders: ['X-Other'] } })).toBeUndefined();
  });

  it('fails on each mismatch with the reason', async () => {
    const r = req('/foo?x=1');
    const e = (b: object) => compare(r, { requestMethod: 'GET', response: { statusCodes: [200] }, backend: { ...backend, ...b } });
    expect(await e({ path: '/foo' })).toMatch(/expected path to be \/foo, got \/foo\?x=1/);
    expect(await e({ method: 'POST' })).toMatch(/expected method to be POST/);
    expect(await e({ podNamePrefix: 'infra-backend-v2' })).toMatch(/expected pod name to start with infra-backend-v2/);
    // The namespace is compared exactly, even when the expectation is empty.
    expect(await e({ namespace: '' })).toMatch(/expected namespace to be , got gateway-conformance-infra/);
    expect(await e({ headers: { 'X-Missing': 'v' } })).toMatch(/expected X-Missing header to be set/);
    expect(await e({ absentHeaders: ['X-Echo-Set-Header'] })).toMatch(/expected X-Echo-Set-Header header to not be set/);
    expect(await compare(r, { requestMethod: 'GET', response: { statusCodes: [404] }, backend })).toMatch(/one of \[404\], got 200/);
  });

  it('reads the echo JSON only when Content-Type is exactly application/json', async () => {
    // /health answers 200 "OK" as text: the captured request is then empty but for the method.
    expect(await compare(req('/health'), { requestMethod: 'GET', response: { statusCodes: [200] }, backend: { path: '/health', method: 'GET', namespace: '' } })).toMatch(/expected path to be \/health, got $/);
    expect(await compare(req('/health'), { requestMethod: 'GET', response: { statusCodes: [200] }, backend: { path: '', method: 'GET', namespace: '' } })).toBeUndefined();
    expect(captureRequest(new Map([['content-type', ['application/json; charset=utf-8']]]), Buffer.from('{"path":"/x"}'), 'PUT')).toMatchObject({ path: '', method: 'PUT' });
    expect(() => captureRequest(new Map([['content-type', ['application/json']]]), Buffer.from('{bad'), 'GET')).toThrow(/unexpected error reading response/);
  });

  it('treats 408 and 504 as one, and checks nothing more on other statuses', async () => {
    expect(await compare(req('/status/504'), { requestMethod: 'GET', response: { statusCodes: [408] }, backend })).toBeUndefined();
    expect(await compare(req('/status/408'), { requestMethod: 'GET', response: { statusCodes: [504] }, backend })).toBeUndefined();
    expect(await compare(req('/status/503'), { requestMethod: 'GET', response: { statusCodes: [504] }, backend })).toMatch(/got 503/);
    expect(await compare(req('/status/500'), { requestMethod: 'GET', response: { statusCodes: [500], headers: { 'X-Never': 'x' } }, backend: { path: '/wrong' } })).toBeUndefined();
  });

  it('checks response headers set through X-Echo-Set-Header, with ignoreWhitespace', async () => {
    const r = req('/foo?x=1', { headers: [['X-Echo-Set-Header', 'X-Header-Set:a b,X-Other:c']] });
    const base = { requestMethod: 'GET', backend };
    expect(await compare(r, { ...base, response: { statusCodes: [200], headers: { 'x-header-set': 'ab' } } })).toMatch(/to be set to ab, got a b/);
    expect(await compare(r, { ...base, response: { statusCodes: [200], headers: { 'x-header-set': 'ab' }, ignoreWhitespace: true } })).toBeUndefined();
    expect(await compare(r, { ...base, response: { statusCodes: [200], validHeaderValues: { 'X-Other': ['z', 'c'] }, absentHeaders: ['X-Nope'] } })).toBeUndefined();
    expect(await compare(r, { ...base, response: { statusCodes: [200], absentHeaders: ['X-Other'] } })).toMatch(/X-Other to not be set/);
  });

  it('compares the protocol (HTTP/2 over cleartext with prior knowledge)', async () => {
    const r = req('/h2c', { url: `http://${HOST}:${echo.ports['h2c']}/h2c`, protocol: 'H2C_PRIOR_KNOWLEDGE' });
    const res = await roundTrip(r);
    expect(res.proto).toBe('HTTP/2.0');
    expect(captureRequest(res.headers, res.body, 'GET').proto).toBe('HTTP/2.0');
    expect(compareRoundTrip({ requestMethod: 'GET', response: { statusCodes: [200], protocol: 'HTTP/1.1' }, backend: { ...backend, path: '/h2c' } }, captureRequest(res.headers, res.body, 'GET'), res)).toMatch(/expected protocol HTTP\/1.1, got HTTP\/2.0/);
  });

  it('trusts only the given certificate, with Go hostname rules, and reports the SNI the backend saw', async () => {
    const url = `https://${HOST}:${echo.ports['https']}/tls`;
    const res = await roundTrip(req('/tls', { url, protocol: 'HTTPS', host: 'example.org', tls: { serverName: 'example.org', ca: [pki.validity.cert] } }));
    const cap = captureRequest(res.headers, res.body, 'GET');
    expect(cap.tls?.serverName).toBe('example.org');
    expect(compareRoundTrip({ requestMethod: 'GET', response: { statusCodes: [200] }, backend: { ...backend, path: '/tls', tlsServerName: 'example.org' } }, cap, res)).toBeUndefined();
    // "*.org" covers a single-label name for Go (not for Node's default check).
    await expect(roundTrip(req('/tls', { url, protocol: 'HTTPS', tls: { serverName: 'a.b.org', ca: [pki.validity.cert] } }))).rejects.toThrow(/not a.b.org/);
    await expect(roundTrip(req('/tls', { url, protocol: 'HTTPS', tls: { serverName: 'example.org', ca: [pki.caC] } }))).rejects.toThrow();
    const h2 = await roundTrip(req('/tls', { url, protocol: 'H2', tls: { serverName: 'example.org', ca: [pki.validity.cert] } }));
    expect(h2.proto).toBe('HTTP/2.0');
  });

  it('notices when the server asks for a client certificate', async () => {
    const tls = { serverName: 'example.org', ca: [pki.validity.cert], cert: pki.client.cert, key: pki.client.key };
    const asked = await roundTrip(req('/c', { url: `https://127.1.201.2:${echoMtls.ports['https']}/c`, protocol: 'HTTPS', tls }));
    expect(asked.clientCertRequested).toBe(true);
    const cap = captureRequest(asked.headers, asked.body, 'GET');
    expect(cap.tls?.peerCertificates).toContain(pki.client.cert);
    const notAsked = await roundTrip(req('/c', { url: `https://${HOST}:${echo.ports['https']}/c`, protocol: 'HTTPS', tls }));
    expect(notAsked.clientCertRequested).toBe(false);
  });

  it('checks redirect targets: scheme, host, path, and the port rule', async () => {
    const redirect = (to: string, code = 302) => req(`/r?code=${code}&to=${encodeURIComponent(to)}`, { url: `http://${HOST}:${redirectPort}/r?code=${code}&to=${encodeURIComponent(to)}` });
    const exp = (redirectExp: HttpExpectation['redirect'], codes = [302]): HttpExpectation => ({ requestMethod: 'GET', response: { statusCodes: codes }, backend: { path: '/never' }, redirect: redirectExp });
    expect(await compare(redirect('http://example.org:80/x?q=1'), exp({ scheme: 'http', host: 'example.org', path: '/x', port: { rule: 'default' } }))).toBeUndefined();
    expect(await compare(redirect('https://example.org/x'), exp({ scheme: 'https', host: null, path: '/x', port: { rule: 'default' } }))).toBeUndefined();
    expect(await compare(redirect('http://example.org:8080/x'), exp({ scheme: 'http', host: 'example.org', path: '/x', port: { rule: 'default' } }))).toMatch(/port to be empty or 80/);
    expect(await compare(redirect('http://example.org:8083/x', 301), exp({ scheme: 'http', host: 'example.org', path: '/x', port: { equals: '8083' } }, [301]))).toBeUndefined();
    expect(await compare(redirect('/x'), exp({ scheme: 'http', host: null, path: '/x' }))).toMatch(/scheme to be http, got $/);
    expect(await compare(redirect('http://other.org/x'), exp({ scheme: 'http', host: 'example.org', path: '/x' }))).toMatch(/host to be example.org, got other.org/);
  });

  it('parses Location as Go does', () => {
    expect(parseGoUrl('http://[::1]:8080/a%20b?x')).toEqual({ scheme: 'http', hostname: '::1', port: '8080', path: '/a b' });
    expect(parseGoUrl('/rel')).toEqual({ scheme: '', hostname: '', port: '', path: '/rel' });
  });
});
