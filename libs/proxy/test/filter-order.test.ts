/**
 * Filters run in the order they are listed (rule-level, then the backendRef's): what each mirror
 * copies, who decides Host, and in which order response headers are written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type Seen, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.51.1';
const BE = '127.0.51.2';

async function seenBy(b: TestBackend, path: string, ms = 2000): Promise<Seen> {
  const until = Date.now() + ms;
  for (;;) {
    const s = b.seen.find((x) => x.path === path);
    if (s !== undefined) return s;
    if (Date.now() > until) throw new Error(`${b.id} never saw ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('filter order', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let main: TestBackend;
  let m1: TestBackend;
  let m2: TestBackend;
  let m3: TestBackend;
  let port: number;

  beforeAll(async () => {
    [main, m1, m2, m3] = await Promise.all(['main', 'm1', 'm2', 'm3'].map((id) => startBackend({ id, address: BE })));
    port = await freePort(GW);
    const mainRef = (filters?: HttpRule['filters']) => [{ backend: 'main', weight: 1, ...(filters ? { filters } : {}) }];
    const setHost = (value: string) => ({ type: 'RequestHeaderModifier' as const, modifier: { set: [{ name: 'Host', value }] } });
    const rewriteHost = (hostname: string) => ({ type: 'URLRewrite' as const, hostname });
    const cors = { type: 'CORS' as const, allowOrigins: ['*'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [] };
    const acao = { type: 'ResponseHeaderModifier' as const, modifier: { set: [{ name: 'Access-Control-Allow-Origin', value: 'https://override.example' }] } };
    const rules: [string, HttpRule][] = [
      [
        '/pipeline',
        rule(mainRef([{ type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-backend-only', value: 'yes' }] } }]), {
          filters: [
            { type: 'RequestMirror', backend: 'm1', percent: 100 },
            { type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-stage', value: 'modified' }] } },
            { type: 'RequestMirror', backend: 'm2', percent: 100 },
            { type: 'URLRewrite', hostname: 'rewritten.example', path: { type: 'ReplacePrefixMatch', value: '/moved' } },
            { type: 'RequestMirror', backend: 'm3', percent: 100 },
          ],
        }),
      ],
      ['/rewrite-then-header', rule(mainRef(), { filters: [rewriteHost('from-rewrite.example'), setHost('from-header.example')] })],
      ['/header-then-rewrite', rule(mainRef(), { filters: [setHost('from-header.example'), rewriteHost('from-rewrite.example')] })],
      ['/backend-ref-last', rule(mainRef([setHost('from-backend-ref.example')]), { filters: [rewriteHost('from-rewrite.example')] })],
      ['/cors-then-modifier', rule(mainRef(), { filters: [cors, acao] })],
      ['/modifier-then-cors', rule(mainRef(), { filters: [acao, cors] })],
      [
        '/modifier-then-redirect',
        rule([], { filters: [{ type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'x-r', value: '1' }] } }, { type: 'RequestRedirect', statusCode: 302, hostname: 'elsewhere.example' }] }),
      ],
      ['/mirror-then-redirect', rule([], { filters: [{ type: 'RequestMirror', backend: 'm1', percent: 100 }, { type: 'RequestRedirect', statusCode: 302, hostname: 'elsewhere.example' }] })],
      ['/redirect-then-mirror', rule([], { filters: [{ type: 'RequestRedirect', statusCode: 302, hostname: 'elsewhere.example' }, { type: 'RequestMirror', backend: 'm1', percent: 100 }] })],
      [
        '/redirect-then-modifier',
        rule([], { filters: [{ type: 'RequestRedirect', statusCode: 302, hostname: 'elsewhere.example' }, { type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'x-r', value: '1' }] } }] }),
      ],
    ];
    const cfg = gateway(
      'order',
      GW,
      [{ port, listeners: [httpListener('test/order/http', [vhost('*', rules.map(([, r]) => r), rules.map(([p], i) => prefix(p, i)))])] }],
      [backendOf('main', [main]), backendOf('m1', [m1]), backendOf('m2', [m2]), backendOf('m3', [m3])],
    );
    expect((await proxy.apply([cfg])).gateways['test/order']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([main, m1, m2, m3].map((b) => b.close()));
  });

  it('gives each mirror the request as the filters before it left it; backendRef filters reach only the backend', async () => {
    const r = await get(GW, port, { host: 'app.example', path: '/pipeline/a?q=1', method: 'POST', body: 'payload' });
    expect(r.status).toBe(200);
    const backend = r.json<Seen>();
    expect(backend).toMatchObject({ path: '/moved/a?q=1', body: 'payload', headers: { host: 'rewritten.example', 'x-stage': 'modified', 'x-backend-only': 'yes' } });

    const first = await seenBy(m1, '/pipeline/a?q=1');
    expect(first.headers.host).toBe('app.example');
    expect(first.headers['x-stage']).toBeUndefined();
    const second = await seenBy(m2, '/pipeline/a?q=1');
    expect(second.headers).toMatchObject({ host: 'app.example', 'x-stage': 'modified' });
    const third = await seenBy(m3, '/moved/a?q=1');
    expect(third.headers).toMatchObject({ host: 'rewritten.example', 'x-stage': 'modified' });
    for (const copy of [first, second, third]) {
      expect(copy.body).toBe('payload');
      expect(copy.headers['x-backend-only']).toBeUndefined();
    }
  });

  it('lets the later of URLRewrite and a Host header modifier decide Host, the backendRef last', async () => {
    const host = async (path: string) => (await get(GW, port, { host: 'app.example', path })).json<Seen>().headers.host;
    expect(await host('/rewrite-then-header')).toBe('from-header.example');
    expect(await host('/header-then-rewrite')).toBe('from-rewrite.example');
    expect(await host('/backend-ref-last')).toBe('from-backend-ref.example');
  });

  it('writes CORS and ResponseHeaderModifier headers in their order, on backend answers and preflights alike', async () => {
    const origin = { origin: 'https://app.example' };
    const preflight = { ...origin, 'access-control-request-method': 'GET' };
    expect((await get(GW, port, { path: '/cors-then-modifier', headers: origin })).headers['access-control-allow-origin']).toBe('https://override.example');
    // The CORS filter answers an allowed origin with that origin.
    expect((await get(GW, port, { path: '/modifier-then-cors', headers: origin })).headers['access-control-allow-origin']).toBe('https://app.example');
    const p1 = await get(GW, port, { method: 'OPTIONS', path: '/cors-then-modifier', headers: preflight });
    const p2 = await get(GW, port, { method: 'OPTIONS', path: '/modifier-then-cors', headers: preflight });
    expect([p1.status, p1.headers['access-control-allow-origin']]).toEqual([204, 'https://override.example']);
    expect([p2.status, p2.headers['access-control-allow-origin']]).toEqual([204, 'https://app.example']);
  });

  it('runs nothing after a RequestRedirect', async () => {
    const before = await get(GW, port, { path: '/modifier-then-redirect' });
    const after = await get(GW, port, { path: '/redirect-then-modifier' });
    expect([before.status, before.headers['x-r']]).toEqual([302, '1']);
    expect([after.status, after.headers['x-r']]).toEqual([302, undefined]);
    // A mirror before the redirect copies the request (body included); one after it never runs.
    expect((await get(GW, port, { path: '/mirror-then-redirect/x', method: 'POST', body: 'copy me' })).status).toBe(302);
    expect((await get(GW, port, { path: '/redirect-then-mirror/x' })).status).toBe(302);
    expect((await seenBy(m1, '/mirror-then-redirect/x')).body).toBe('copy me');
    await new Promise((r) => setTimeout(r, 200));
    expect(m1.seen.find((x) => x.path === '/redirect-then-mirror/x')).toBeUndefined();
  });
});
