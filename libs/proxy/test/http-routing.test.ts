import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.10.1';
const BE = '127.0.10.2';

describe('HTTP/1.1 listener: routing, backends, header modifiers', () => {
  const proxy = new Proxy({ drainTimeoutMs: 1000 });
  let a: TestBackend;
  let b: TestBackend;
  let port: number;

  beforeAll(async () => {
    a = await startBackend({ id: 'a', address: BE });
    b = await startBackend({ id: 'b', address: BE });
    port = await freePort(GW);
    const deadPort = await freePort(BE);
    const cfg = gateway(
      'routing',
      GW,
      [
        {
          port,
          listeners: [
            httpListener('test/routing/http', [
              vhost(
                'app.example.com',
                [
                  rule([{ backend: 'a', weight: 1 }]),
                  rule([{ backend: 'b', weight: 1 }], {
                    filters: [
                      {
                        type: 'RequestHeaderModifier',
                        modifier: {
                          set: [{ name: 'X-Set', value: 'set' }],
                          add: [{ name: 'X-Add', value: 'added' }],
                          remove: ['x-remove'],
                        },
                      },
                    ],
                  }),
                  rule([{ backend: null, weight: 1 }]),
                  rule([{ backend: 'a', weight: 0 }]),
                  rule([{ backend: 'empty', weight: 1 }]),
                  rule([{ backend: 'dead', weight: 1 }]),
                  rule([
                    { backend: 'a', weight: 1 },
                    { backend: 'b', weight: 3 },
                  ]),
                  rule([{ backend: 'a', weight: 1 }], { directResponse: { status: 418 } }),
                  rule([
                    {
                      backend: 'b',
                      weight: 1,
                      filters: [{ type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-ref', value: 'b-only' }] } }],
                    },
                  ]),
                ],
                [
                  prefix('/a', 0),
                  prefix('/mod', 1),
                  prefix('/invalid', 2),
                  prefix('/zero', 3),
                  prefix('/empty', 4),
                  prefix('/dead', 5),
                  prefix('/split', 6),
                  prefix('/direct', 7),
                  prefix('/refmod', 8),
                ],
              ),
              vhost('*.wild.example.com', [rule([{ backend: 'b', weight: 1 }])]),
            ]),
          ],
        },
      ],
      [
        backendOf('a', [a]),
        backendOf('b', [b]),
        backendOf('empty', []),
        { id: 'dead', protocol: 'HTTP1', endpoints: [{ address: BE, port: deadPort, ready: true }] },
      ],
    );
    const result = await proxy.apply([cfg]);
    expect(result.gateways['test/routing']).toEqual({ ok: true, listenersBound: ['test/routing/http'], errors: [] });
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('routes by host and path prefix to the backend', async () => {
    const r = await get(GW, port, { host: 'app.example.com', path: '/a/x?q=1' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ id: 'a', path: '/a/x?q=1' });
  });

  it('ignores the port in the Host header and matches host case-insensitively', async () => {
    const r = await get(GW, port, { host: `APP.example.com:${port}`, path: '/a' });
    expect(r.json()).toMatchObject({ id: 'a' });
  });

  it('answers 404 for an unknown host or path', async () => {
    expect((await get(GW, port, { host: 'other.example.com', path: '/a' })).status).toBe(404);
    expect((await get(GW, port, { host: 'app.example.com', path: '/nothing' })).status).toBe(404);
    // element-wise prefix: /ab is not under /a
    expect((await get(GW, port, { host: 'app.example.com', path: '/ab' })).status).toBe(404);
  });

  it('matches wildcard virtual hosts on any depth but not the bare suffix', async () => {
    expect((await get(GW, port, { host: 'x.y.wild.example.com' })).json()).toMatchObject({ id: 'b' });
    expect((await get(GW, port, { host: 'wild.example.com' })).status).toBe(404);
  });

  it('forwards Host unmodified, appends X-Forwarded-For and sets X-Forwarded-Proto', async () => {
    const r = await get(GW, port, { host: 'app.example.com', path: '/a', headers: { 'x-forwarded-for': '10.1.1.1', connection: 'keep-alive, x-hop', 'x-hop': '1' } });
    const seen = r.json<{ headers: Record<string, string> }>().headers;
    expect(seen.host).toBe('app.example.com');
    expect(seen['x-forwarded-for']).toBe('10.1.1.1, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-hop']).toBeUndefined();
  });

  it('applies RequestHeaderModifier set/add/remove', async () => {
    const r = await get(GW, port, {
      host: 'app.example.com',
      path: '/mod',
      headers: { 'x-set': 'old', 'x-add': 'first', 'x-remove': 'gone', 'x-keep': 'kept' },
    });
    const seen = r.json<{ headers: Record<string, string> }>().headers;
    expect(seen['x-set']).toBe('set');
    expect(seen['x-add']).toBe('first,added');
    expect(seen['x-remove']).toBeUndefined();
    expect(seen['x-keep']).toBe('kept');
  });

  it('applies backendRef-level filters only to that backend', async () => {
    const r = await get(GW, port, { host: 'app.example.com', path: '/refmod' });
    expect(r.json<{ headers: Record<string, string> }>().headers['x-ref']).toBe('b-only');
  });

  it('answers 500 for an invalid backend or all-zero weights, 503 without endpoints, 502 when the endpoint refuses', async () => {
    expect((await get(GW, port, { host: 'app.example.com', path: '/invalid' })).status).toBe(500);
    expect((await get(GW, port, { host: 'app.example.com', path: '/zero' })).status).toBe(500);
    expect((await get(GW, port, { host: 'app.example.com', path: '/empty' })).status).toBe(503);
    expect((await get(GW, port, { host: 'app.example.com', path: '/dead' })).status).toBe(502);
    expect((await get(GW, port, { host: 'app.example.com', path: '/direct' })).status).toBe(418);
  });

  it('splits traffic by weight (1:3 within tolerance over 400 requests)', async () => {
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 400; i++) {
      const r = await get(GW, port, { host: 'app.example.com', path: '/split' });
      counts[r.json<{ id: string }>().id]!++;
    }
    // Expected 100 / 300; binomial sd ≈ 8.7, allow ~4.5 sd.
    expect(counts.a).toBeGreaterThan(60);
    expect(counts.a).toBeLessThan(140);
    expect(counts.a! + counts.b!).toBe(400);
  });

  it('streams request bodies to the backend', async () => {
    const body = 'x'.repeat(200_000);
    const r = await get(GW, port, { host: 'app.example.com', path: '/a', method: 'POST', body });
    expect(r.json<{ body: string }>().body.length).toBe(200_000);
  });
});
