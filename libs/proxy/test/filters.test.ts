import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.50.1';
const BE = '127.0.50.2';

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('filters end to end: redirects, rewrites, response headers, CORS, mirrors', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let main: TestBackend;
  let mirror: TestBackend;
  let slowMirror: TestBackend;
  let port: number;
  const rules: [string, HttpRule][] = [];

  beforeAll(async () => {
    main = await startBackend({ id: 'main', address: BE });
    mirror = await startBackend({ id: 'mirror', address: BE });
    slowMirror = await startBackend({ id: 'slow-mirror', address: BE });
    slowMirror.behave = (_req, res) => {
      setTimeout(() => res.end('late'), 3000).unref();
      return true;
    };
    port = await freePort(GW);
    const deadPort = await freePort(BE);
    const to = [{ backend: 'main', weight: 1 }];
    rules.push(
      ['/redirect-https', rule(to, { filters: [{ type: 'RequestRedirect', scheme: 'https', statusCode: 301 }] })],
      ['/redirect-host', rule(to, { filters: [{ type: 'RequestRedirect', hostname: 'other.example.com', statusCode: 302 }] })],
      ['/redirect-port', rule(to, { filters: [{ type: 'RequestRedirect', port: 8443, statusCode: 307 }] })],
      ['/redirect-prefix', rule(to, { filters: [{ type: 'RequestRedirect', path: { type: 'ReplacePrefixMatch', value: '/moved' }, statusCode: 308 }] })],
      ['/redirect-full', rule(to, { filters: [{ type: 'RequestRedirect', path: { type: 'ReplaceFullPath', value: '/elsewhere' }, statusCode: 303 }] })],
      ['/rewrite-prefix', rule(to, { filters: [{ type: 'URLRewrite', hostname: 'rewritten.example.com', path: { type: 'ReplacePrefixMatch', value: '/backend' } }] })],
      ['/rewrite-full', rule(to, { filters: [{ type: 'URLRewrite', path: { type: 'ReplaceFullPath', value: '/one' } }] })],
      [
        '/response-headers',
        rule(to, {
          filters: [
            {
              type: 'ResponseHeaderModifier',
              modifier: { set: [{ name: 'X-Set', value: 'v' }], add: [{ name: 'X-Backend', value: 'added' }], remove: ['content-type'] },
            },
          ],
        }),
      ],
      [
        '/cors',
        rule(to, {
          filters: [
            {
              type: 'CORS',
              allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
              allowMethods: ['GET', 'OPTIONS'],
              allowHeaders: ['x-header-1'],
              exposeHeaders: ['x-header-3'],
              allowCredentials: true,
              maxAge: 3600,
            },
          ],
        }),
      ],
      ['/mirror', rule(to, { filters: [{ type: 'RequestMirror', backend: 'mirror', percent: 100 }] })],
      [
        '/mirror-bad',
        rule(to, {
          filters: [
            { type: 'RequestMirror', backend: 'slow-mirror', percent: 100 },
            { type: 'RequestMirror', backend: 'dead', percent: 100 },
          ],
        }),
      ],
      ['/mirror-half', rule(to, { filters: [{ type: 'RequestMirror', backend: 'mirror', percent: 50 }] })],
    );
    const cfg = gateway(
      'filters',
      GW,
      [{ port, listeners: [httpListener('test/filters/http', [vhost('*', rules.map(([, r]) => r), rules.map(([p], i) => prefix(p, i)))])] }],
      [
        backendOf('main', [main]),
        backendOf('mirror', [mirror]),
        backendOf('slow-mirror', [slowMirror]),
        { id: 'dead', protocol: 'HTTP1', endpoints: [{ address: BE, port: deadPort, ready: true }] },
      ],
    );
    expect((await proxy.apply([cfg])).gateways['test/filters']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([main.close(), mirror.close(), slowMirror.close()]);
  });

  it('redirects with an absolute Location and the configured status', async () => {
    const h = 'app.example.com';
    let r = await get(GW, port, { host: h, path: '/redirect-https/x?y=1' });
    expect([r.status, r.headers.location]).toEqual([301, 'https://app.example.com/redirect-https/x?y=1']);
    r = await get(GW, port, { host: `${h}:${port}`, path: '/redirect-host' });
    expect([r.status, r.headers.location]).toEqual([302, `http://other.example.com:${port}/redirect-host`]);
    r = await get(GW, port, { host: h, path: '/redirect-port' });
    expect([r.status, r.headers.location]).toEqual([307, 'http://app.example.com:8443/redirect-port']);
    r = await get(GW, port, { host: h, path: '/redirect-prefix/a/b' });
    expect([r.status, r.headers.location]).toEqual([308, `http://app.example.com:${port}/moved/a/b`]);
    r = await get(GW, port, { host: h, path: '/redirect-full/a' });
    expect([r.status, r.headers.location]).toEqual([303, `http://app.example.com:${port}/elsewhere`]);
    expect(main.seen.filter((s) => s.path.startsWith('/redirect'))).toEqual([]);
  });

  it('rewrites host and path for the backend', async () => {
    let r = await get(GW, port, { host: 'app.example.com', path: '/rewrite-prefix/rest?q=2' });
    expect(r.json()).toMatchObject({ path: '/backend/rest?q=2', headers: { host: 'rewritten.example.com' } });
    r = await get(GW, port, { host: 'app.example.com', path: '/rewrite-prefix' });
    expect(r.json()).toMatchObject({ path: '/backend' });
    r = await get(GW, port, { path: '/rewrite-full/a/b' });
    expect(r.json()).toMatchObject({ path: '/one' });
  });

  it('modifies response headers', async () => {
    const r = await get(GW, port, { path: '/response-headers' });
    expect(r.headers['x-set']).toBe('v');
    expect(r.headers['x-backend']).toBe('main,added');
    expect(r.headers['content-type']).toBeUndefined();
  });

  it('answers CORS preflights at the gateway and decorates actual responses', async () => {
    const before = main.seen.length;
    const pre = await get(GW, port, {
      method: 'OPTIONS',
      path: '/cors',
      headers: { origin: 'https://a.b.bar.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-header-1' },
    });
    expect([200, 204]).toContain(pre.status);
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'https://a.b.bar.com',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'x-header-1',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
    });
    expect(main.seen.length).toBe(before);
    const denied = await get(GW, port, { method: 'OPTIONS', path: '/cors', headers: { origin: 'https://evil.com', 'access-control-request-method': 'GET' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const actual = await get(GW, port, { path: '/cors', headers: { origin: 'https://www.foo.com' } });
    expect(actual.status).toBe(200);
    expect(actual.headers).toMatchObject({ 'access-control-allow-origin': 'https://www.foo.com', 'access-control-expose-headers': 'x-header-3' });
    const other = await get(GW, port, { path: '/cors', headers: { origin: 'https://foobar.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mirrors the request, body included, and discards the mirror response', async () => {
    const r = await get(GW, port, { path: '/mirror/m1', method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(r.json()).toMatchObject({ id: 'main', body: 'payload' });
    await eventually(() => mirror.seen.some((s) => s.path === '/mirror/m1'));
    const copy = mirror.seen.find((s) => s.path === '/mirror/m1')!;
    expect(copy.body).toBe('payload');
    expect(copy.method).toBe('POST');
  });

  it('mirrors a streamed (chunked) body too', async () => {
    const big = 'z'.repeat(300_000);
    const r = await get(GW, port, { path: '/mirror/m2', method: 'PUT', body: big, headers: { 'transfer-encoding': 'chunked' } });
    expect(r.json<{ body: string }>().body.length).toBe(big.length);
    await eventually(() => mirror.seen.some((s) => s.path === '/mirror/m2'));
    expect(mirror.seen.find((s) => s.path === '/mirror/m2')!.body.length).toBe(big.length);
  });

  it('is not slowed down or failed by a slow or dead mirror', async () => {
    const t0 = Date.now();
    const r = await get(GW, port, { path: '/mirror-bad', method: 'POST', body: 'x' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ id: 'main' });
    expect(Date.now() - t0).toBeLessThan(1500);
    await eventually(() => slowMirror.seen.some((s) => s.path === '/mirror-bad'));
  });

  it('mirrors about the configured share of requests', async () => {
    const before = mirror.seen.filter((s) => s.path === '/mirror-half').length;
    for (let i = 0; i < 200; i++) await get(GW, port, { path: '/mirror-half' });
    await new Promise((r) => setTimeout(r, 200));
    const mirrored = mirror.seen.filter((s) => s.path === '/mirror-half').length - before;
    // Expected 100, sd ≈ 7.
    expect(mirrored).toBeGreaterThan(65);
    expect(mirrored).toBeLessThan(135);
  });
});

describe('CORS preflight to a method-restricted route', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let be: TestBackend;
  let port: number;
  beforeAll(async () => {
    be = await startBackend({ id: 'be', address: '127.0.50.3' });
    port = await freePort(GW);
    const cors: HttpRule['filters'][number] = { type: 'CORS', allowOrigins: ['*'], allowMethods: ['PUT'], allowHeaders: [], exposeHeaders: [] };
    const cfg = gateway(
      'cors-method',
      GW,
      [
        {
          port,
          listeners: [
            httpListener('test/cors-method/http', [
              vhost('*', [rule([{ backend: 'be', weight: 1 }], { filters: [cors] }), rule([{ backend: 'be', weight: 1 }])], [
                prefix('/put', 0, { method: 'PUT' }),
                prefix('/plain', 1, { method: 'PUT' }),
              ]),
            ]),
          ],
        },
      ],
      [backendOf('be', [be])],
    );
    await proxy.apply([cfg]);
  });
  afterAll(async () => {
    await proxy.close();
    await be.close();
  });

  it('answers the preflight for the method it announces, only where a CORS filter applies', async () => {
    const h = { origin: 'https://x.org', 'access-control-request-method': 'PUT' };
    const r = await get(GW, port, { method: 'OPTIONS', path: '/put', headers: h });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-methods']).toBe('PUT');
    expect((await get(GW, port, { method: 'OPTIONS', path: '/plain', headers: h })).status).toBe(404);
    expect(be.seen).toEqual([]);
  });
});
