import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort } from './support/backends.js';
import { gateway } from './support/config.js';
import { startTcpEcho, type L4Backend } from './support/l4-backends.js';
import { echo, tcpGreeting } from './support/l4-client.js';
import { l4Backend, l4Route, tcpListener } from './support/l4-config.js';

const GW = '127.0.41.1';
const BE = '127.0.41.2';

/** Resolves with what the client received before the gateway closed the connection. */
function closedWith(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: GW, port });
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
}

describe('TCP listeners', () => {
  const proxy = new Proxy({ drainTimeoutMs: 400 });
  let v1: L4Backend;
  let v2: L4Backend;
  let v3: L4Backend;

  beforeAll(async () => {
    [v1, v2, v3] = await Promise.all(['v1', 'v2', 'v3'].map((id) => startTcpEcho(id, BE)));
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([v1, v2, v3].map((b) => b.close()));
  });

  it('spreads connections by weight (70/30/0 within tolerance over 600 connections)', async () => {
    const port = await freePort(GW);
    const cfg = gateway(
      'weights',
      GW,
      [{ port, listeners: [tcpListener('test/weights/tcp', [l4Route('TCPRoute', [], [{ backend: 'v1', weight: 70 }, { backend: 'v2', weight: 30 }, { backend: 'v3', weight: 0 }])])] }],
      [l4Backend('v1', [v1]), l4Backend('v2', [v2]), l4Backend('v3', [v3])],
    );
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/weights']).toMatchObject({ ok: true, listenersBound: ['test/weights/tcp'], errors: [] });
    const counts: Record<string, number> = {};
    const total = 600;
    for (let batch = 0; batch < total / 20; batch++) {
      const lines = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const g = await tcpGreeting(GW, port);
          g.socket.destroy();
          return g.line;
        }),
      );
      for (const l of lines) counts[l] = (counts[l] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['hello v1', 'hello v2']);
    expect(Math.abs(counts['hello v1']! / total - 0.7)).toBeLessThan(0.07);
    await proxy.apply([]);
  });

  it('serves the first route with a usable backendRef (the oldest), skipping routes whose refs are all invalid', async () => {
    const port = await freePort(GW);
    const cfg = gateway(
      'first',
      GW,
      [
        {
          port,
          listeners: [
            tcpListener('test/first/tcp', [
              l4Route('TCPRoute', [], [{ backend: null, weight: 1 }]),
              l4Route('TCPRoute', [], [{ backend: 'v2', weight: 1 }]),
              l4Route('TCPRoute', [], [{ backend: 'v3', weight: 1 }]),
            ]),
          ],
        },
      ],
      [l4Backend('v2', [v2]), l4Backend('v3', [v3])],
    );
    await proxy.apply([cfg]);
    for (let i = 0; i < 10; i++) {
      const g = await tcpGreeting(GW, port);
      expect(g.line).toBe('hello v2');
      g.socket.destroy();
    }
    await proxy.apply([]);
  });

  it('closes the client connection when the backend cannot be reached, has no ready endpoint, or its share is invalid', async () => {
    const dead = await freePort(BE);
    const [p1, p2, p3] = await Promise.all([1, 2, 3].map(() => freePort(GW)));
    const cfg = gateway(
      'fail',
      GW,
      [
        { port: p1, listeners: [tcpListener('test/fail/dead', [l4Route('TCPRoute', [], [{ backend: 'dead', weight: 1 }])])] },
        { port: p2, listeners: [tcpListener('test/fail/empty', [l4Route('TCPRoute', [], [{ backend: 'empty', weight: 1 }])])] },
        { port: p3, listeners: [tcpListener('test/fail/half', [l4Route('TCPRoute', [], [{ backend: 'v1', weight: 1 }, { backend: null, weight: 1 }])])] },
      ],
      [l4Backend('dead', [{ address: BE, port: dead }]), { id: 'empty', protocol: 'HTTP1', endpoints: [{ address: BE, port: v1.port, ready: false }] }, l4Backend('v1', [v1])],
    );
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/fail']!.listenersBound.sort()).toEqual(['test/fail/dead', 'test/fail/empty', 'test/fail/half']);
    expect(await closedWith(p1)).toBe('');
    expect(await closedWith(p2)).toBe('');
    // Half the connections pick the invalid backendRef and are refused, the others reach v1.
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const got = await closedWithOrGreeting(p3);
      if (got === '') refused++;
      else expect(got).toBe('hello v1');
    }
    expect(refused).toBeGreaterThan(10);
    expect(refused).toBeLessThan(50);
    await proxy.apply([]);
  });

  it('keeps a connection and its backend across config swaps and drains a removed listener', async () => {
    const port = await freePort(GW);
    const cfgFor = (backend: string, generation: number) =>
      gateway('swap', GW, [{ port, listeners: [tcpListener('test/swap/tcp', [l4Route('TCPRoute', [], [{ backend, weight: 1 }])])] }], [l4Backend('v1', [v1]), l4Backend('v2', [v2])], generation);
    await proxy.apply([cfgFor('v1', 1)]);
    const old = await tcpGreeting(GW, port);
    expect(old.line).toBe('hello v1');
    await proxy.apply([cfgFor('v2', 2)]);
    expect(await echo(old.socket, 'same-backend')).toBe('same-backend');
    const fresh = await tcpGreeting(GW, port);
    expect(fresh.line).toBe('hello v2');
    fresh.socket.destroy();
    // Removed: no new connections, the open one goes on until the drain timeout.
    await proxy.apply([]);
    await expect(tcpGreeting(GW, port)).rejects.toThrow(/ECONNREFUSED/);
    expect(await echo(old.socket, 'while-draining')).toBe('while-draining');
    const closedAt = Date.now();
    await new Promise<void>((r) => old.socket.once('close', () => r()));
    expect(Date.now() - closedAt).toBeLessThan(2000);
  });

  it('forwards a half-close: the client ends its side and still reads the backend answer', async () => {
    const port = await freePort(GW);
    await proxy.apply([gateway('half', GW, [{ port, listeners: [tcpListener('test/half/tcp', [l4Route('TCPRoute', [], [{ backend: 'v1', weight: 1 }])])] }], [l4Backend('v1', [v1])])]);
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: GW, port, allowHalfOpen: true }, () => s.end('bye'));
      let buf = '';
      s.on('data', (c: Buffer) => (buf += c.toString()));
      s.on('end', () => resolve(buf));
      s.on('error', reject);
    });
    expect(got).toBe('hello v1\nbye');
    await proxy.apply([]);
  });

  it('reports a port it cannot bind as PortUnavailable', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, GW, r));
    const port = (busy.address() as net.AddressInfo).port;
    const res = await proxy.apply([gateway('busy', GW, [{ port, listeners: [tcpListener('test/busy/tcp', [])] }], [])]);
    expect(res.gateways['test/busy']).toMatchObject({ ok: true, listenersBound: [], errors: [{ listener: 'test/busy/tcp', reason: 'PortUnavailable' }] });
    busy.close();
    await proxy.apply([]);
  });
});

/** The greeting line, or "" when the gateway closed the connection first. */
function closedWithOrGreeting(port: number): Promise<string> {
  return tcpGreeting(GW, port).then(
    (g) => {
      g.socket.destroy();
      return g.line;
    },
    () => '',
  );
}
