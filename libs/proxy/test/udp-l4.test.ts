import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { gateway } from './support/config.js';
import { startUdpEcho, type UdpEcho } from './support/l4-backends.js';
import { UdpClient } from './support/l4-client.js';
import { l4Backend, l4Route, udpListener } from './support/l4-config.js';

const GW = '127.0.42.1';
const BE = '127.0.42.2';

/** A UDP port free on GW a moment ago. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, GW, r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function weighted(name: string, port: number, weights: [string, number][], generation = 1, backends: UdpEcho[]) {
  return gateway(
    name,
    GW,
    [{ port, listeners: [udpListener(`test/${name}/udp`, [l4Route('UDPRoute', [], weights.map(([backend, weight]) => ({ backend, weight })))])] }],
    backends.map((b) => l4Backend(b.id, [b])),
    generation,
  );
}

describe('UDP listeners', () => {
  const proxy = new Proxy({ drainTimeoutMs: 300, l4: { udpIdleMs: 300 } });
  let v1: UdpEcho;
  let v2: UdpEcho;
  let v3: UdpEcho;

  beforeAll(async () => {
    [v1, v2, v3] = await Promise.all(['v1', 'v2', 'v3'].map((id) => startUdpEcho(id, BE)));
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([v1, v2, v3].map((b) => b.close()));
  });

  it('echoes through the listener: the reply comes from the listener port', async () => {
    const port = await freeUdpPort();
    const res = await proxy.apply([weighted('echo', port, [['v1', 1]], 1, [v1])]);
    expect(res.gateways['test/echo']).toMatchObject({ ok: true, listenersBound: ['test/echo/udp'], errors: [] });
    expect(proxy.boundKeys()).toContain(`${GW}:${port}/udp`);
    const c = new UdpClient(GW, port);
    const r = await c.send('hello');
    expect(r).toMatchObject({ id: 'v1', payload: 'hello', from: port });
    c.close();
    await proxy.apply([]);
  });

  it('spreads flows by weight (70/30/0 within tolerance over 500 flows)', async () => {
    const port = await freeUdpPort();
    await proxy.apply([weighted('weights', port, [['v1', 70], ['v2', 30], ['v3', 0]], 1, [v1, v2, v3])]);
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 25; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const c = new UdpClient(GW, port);
          const r = await c.send(`w-${batch}-${i}`);
          c.close();
          return r;
        }),
      );
      for (const r of replies) {
        expect(r).not.toBeNull();
        counts[r!.id] = (counts[r!.id] ?? 0) + 1;
      }
    }
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
    expect(Math.abs(counts['v1']! / 500 - 0.7)).toBeLessThan(0.07);
    await proxy.apply([]);
  });

  it('keeps every flow on its backend for its lifetime, across a weight change', async () => {
    const port = await freeUdpPort();
    await proxy.apply([weighted('sticky', port, [['v1', 1], ['v2', 1]], 1, [v1, v2])]);
    const clients = Array.from({ length: 30 }, () => new UdpClient(GW, port));
    const first = new Map<UdpClient, string>();
    for (let round = 0; round < 10; round++) {
      if (round === 5) {
        // Weights move towards v2: flows already open keep their backend.
        await proxy.apply([weighted('sticky', port, [['v1', 1], ['v2', 9]], 2, [v1, v2])]);
      }
      const replies = await Promise.all(clients.map((c) => c.send(`s-${round}`)));
      replies.forEach((r, i) => {
        expect(r).not.toBeNull();
        const c = clients[i]!;
        if (!first.has(c)) first.set(c, r!.id);
        expect(r!.id).toBe(first.get(c));
      });
    }
    expect(new Set(first.values())).toEqual(new Set(['v1', 'v2']));
    for (const c of clients) c.close();
    await proxy.apply([]);
  });

  it('frees an idle flow: the next datagram opens a new flow (a new socket to the backend)', async () => {
    const port = await freeUdpPort();
    await proxy.apply([weighted('idle', port, [['v3', 1]], 1, [v3])]);
    const c = new UdpClient(GW, port);
    const a = await c.send('idle-1');
    const b = await c.send('idle-2');
    expect(b!.port).toBe(a!.port);
    // The flow idles out after 300 ms (bounded wait).
    await new Promise((r) => setTimeout(r, 700));
    const d = await c.send('idle-3');
    expect(d!.id).toBe('v3');
    expect(d!.port).not.toBe(a!.port);
    c.close();
    await proxy.apply([]);
  });

  it('drops datagrams without a usable route or endpoint, and ends flows whose endpoint left the config', async () => {
    const port = await freeUdpPort();
    await proxy.apply([
      gateway('drop', GW, [{ port, listeners: [udpListener('test/drop/udp', [l4Route('UDPRoute', [], [{ backend: null, weight: 1 }])])] }], []),
    ]);
    const c = new UdpClient(GW, port);
    expect(await c.send('nothing', 300)).toBeNull();
    await proxy.apply([weighted('drop', port, [['v1', 1]], 2, [v1])]);
    expect((await c.send('now'))!.id).toBe('v1');
    await proxy.apply([weighted('drop', port, [['v2', 1]], 3, [v2])]);
    // v1 is gone from the config: the flow ends and the next datagram goes to v2.
    expect((await c.send('moved'))!.id).toBe('v2');
    c.close();
    await proxy.apply([]);
  });

  it('keeps serving flows while a removed listener drains, and takes the socket back when wanted again', async () => {
    const port = await freeUdpPort();
    await proxy.apply([weighted('drain', port, [['v1', 1]], 1, [v1])]);
    const c = new UdpClient(GW, port);
    expect((await c.send('before'))!.id).toBe('v1');
    await proxy.apply([]);
    expect((await c.send('draining'))!.id).toBe('v1');
    const fresh = new UdpClient(GW, port);
    expect(await fresh.send('new-flow', 200)).toBeNull();
    const res = await proxy.apply([weighted('drain', port, [['v1', 1]], 2, [v1])]);
    expect(res.gateways['test/drain']).toMatchObject({ listenersBound: ['test/drain/udp'], errors: [] });
    expect((await fresh.send('back'))!.id).toBe('v1');
    c.close();
    fresh.close();
    await proxy.apply([]);
  });

  it('reports a UDP port it cannot bind as PortUnavailable, and shares a port number with a TCP listener', async () => {
    const busy = dgram.createSocket('udp4');
    await new Promise<void>((r) => busy.bind(0, GW, r));
    const port = busy.address().port;
    const res = await proxy.apply([
      gateway('busy', GW, [{ port, listeners: [udpListener('test/busy/udp', []), { name: 'test/busy/tcp', protocol: 'TCP', routes: [] }] }], []),
    ]);
    expect(res.gateways['test/busy']).toMatchObject({ ok: true, listenersBound: ['test/busy/tcp'], errors: [{ listener: 'test/busy/udp', reason: 'PortUnavailable' }] });
    busy.close();
    await proxy.apply([]);
  });
});


describe('UDP flow limit', () => {
  it('drops datagrams of new flows beyond udpMaxFlows, and logs it once', async () => {
    const logs: string[] = [];
    const proxy = new Proxy({ drainTimeoutMs: 100, l4: { udpMaxFlows: 2, udpIdleMs: 5000 }, log: (_l, msg) => logs.push(msg) });
    const v = await startUdpEcho('limit', BE);
    const port = await freeUdpPort();
    await proxy.apply([weighted('limit', port, [['limit', 1]], 1, [v])]);
    const clients = [0, 1, 2, 3].map(() => new UdpClient(GW, port));
    expect((await clients[0]!.send('a'))!.id).toBe('limit');
    expect((await clients[1]!.send('b'))!.id).toBe('limit');
    expect(await clients[2]!.send('c', 200)).toBeNull();
    expect(await clients[3]!.send('d', 200)).toBeNull();
    // Open flows go on.
    expect((await clients[0]!.send('a2'))!.id).toBe('limit');
    expect(logs.filter((m) => m.startsWith('UDP flow limit reached'))).toHaveLength(1);
    for (const c of clients) c.close();
    await proxy.close();
    await v.close();
  });
});
