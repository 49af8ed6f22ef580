/**
 * RequestMirror beyond the conformance cases: the mirror gets every request the rule takes,
 * whatever backend the weights pick (even one the gateway must answer for itself), without the
 * picked backendRef's own filters; and a mirror that is slow, stalled or dead never delays or
 * fails the main request.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.52.1';
const BE = '127.0.52.2';

async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('mirrors: every request whatever the weights pick; fire-and-forget', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let a: TestBackend;
  let b: TestBackend;
  let mirror: TestBackend;
  let main: TestBackend;
  /** Accepts connections and never reads from them nor answers. */
  let stalled: net.Server;
  const stalledSockets = new Set<net.Socket>();
  let port: number;

  beforeAll(async () => {
    [a, b, mirror, main] = await Promise.all(['a', 'b', 'mirror', 'main'].map((id) => startBackend({ id, address: BE })));
    main.behave = (_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'main', length: body.length }));
      return true;
    };
    stalled = net.createServer({ pauseOnConnect: true }, (s) => {
      stalledSockets.add(s);
      s.on('close', () => stalledSockets.delete(s));
    });
    await new Promise<void>((r) => stalled.listen(0, BE, r));
    const stalledPort = (stalled.address() as net.AddressInfo).port;
    const deadPort = await freePort(BE);
    port = await freePort(GW);
    const weighted = rule(
      [
        { backend: 'a', weight: 1, filters: [{ type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-only-a', value: '1' }] } }] },
        { backend: 'b', weight: 1 },
        { backend: null, weight: 1 },
        { backend: 'no-endpoints', weight: 1 },
      ],
      { filters: [{ type: 'RequestMirror', backend: 'mirror', percent: 100 }] },
    );
    const badMirrors = rule([{ backend: 'main', weight: 1 }], {
      filters: [
        { type: 'RequestMirror', backend: 'stalled', percent: 100 },
        { type: 'RequestMirror', backend: 'dead', percent: 100 },
      ],
    });
    const cfg = gateway(
      'mirror',
      GW,
      [{ port, listeners: [httpListener('test/mirror/http', [vhost('*', [weighted, badMirrors], [prefix('/weighted', 0), prefix('/bad-mirrors', 1)])])] }],
      [
        backendOf('a', [a]),
        backendOf('b', [b]),
        backendOf('mirror', [mirror]),
        backendOf('main', [main]),
        { id: 'no-endpoints', protocol: 'HTTP1', endpoints: [] },
        { id: 'stalled', protocol: 'HTTP1', endpoints: [{ address: BE, port: stalledPort, ready: true }] },
        { id: 'dead', protocol: 'HTTP1', endpoints: [{ address: BE, port: deadPort, ready: true }] },
      ],
    );
    expect((await proxy.apply([cfg])).gateways['test/mirror']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    for (const s of stalledSockets) s.destroy();
    stalled.close();
    await Promise.all([a, b, mirror, main].map((x) => x.close()));
  });

  it('mirrors every request, whatever backend the weights pick, without that backendRef’s filters', async () => {
    const statuses = new Map<number | string, number>();
    const n = 60;
    for (let i = 0; i < n; i++) {
      const post = i % 2 === 0;
      const r = await get(GW, port, { path: `/weighted/${i}`, ...(post ? { method: 'POST', body: `body-${i}` } : {}) });
      const key = r.status === 200 ? r.json<{ id: string }>().id : r.status;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    // Each of the four shares was picked (a: 200, b: 200, invalid: 500, no endpoint: 503).
    expect([...statuses.keys()].sort()).toEqual([500, 503, 'a', 'b']);
    await eventually(() => mirror.seen.filter((s) => s.path.startsWith('/weighted/')).length === n);
    for (let i = 0; i < n; i++) {
      const copies = mirror.seen.filter((s) => s.path === `/weighted/${i}`);
      expect(copies).toHaveLength(1);
      expect(copies[0]!.headers['x-only-a']).toBeUndefined();
      expect(copies[0]!.body).toBe(i % 2 === 0 ? `body-${i}` : '');
    }
    // The backendRef filter still reaches its own backend.
    expect(a.seen.every((s) => s.headers['x-only-a'] === '1')).toBe(true);
  });

  it('is neither delayed nor failed by a mirror that never reads, or one that refuses connections', async () => {
    const t0 = Date.now();
    const small = await get(GW, port, { path: '/bad-mirrors/small' });
    expect(small.json()).toEqual({ id: 'main', length: 0 });
    // 4 MiB streamed: the stalled mirror falls more than 1 MiB behind and is dropped.
    const big = 'x'.repeat(4 * 1024 * 1024);
    const r = await get(GW, port, { path: '/bad-mirrors/big', method: 'PUT', body: big, headers: { 'transfer-encoding': 'chunked' } });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ id: 'main', length: big.length });
    const r2 = await get(GW, port, { path: '/bad-mirrors/sized', method: 'POST', body: big });
    expect(r2.json()).toEqual({ id: 'main', length: big.length });
    expect(Date.now() - t0).toBeLessThan(3000);
    // The stalled mirror did get connections (it was tried), it just never mattered.
    expect(stalledSockets.size).toBeGreaterThan(0);
  });
});
