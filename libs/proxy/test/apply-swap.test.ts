import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, rule, vhost } from './support/config.js';

const GW = '127.0.20.1';
const BE = '127.0.20.2';

function simple(name: string, port: number, backend: string, backends: TestBackend[], generation = 1) {
  return gateway(name, GW, [{ port, listeners: [httpListener(`test/${name}/http`, [vhost('*', [rule([{ backend, weight: 1 }])])])] }], [backendOf(backend, backends)], generation);
}

describe('apply: validation, socket reconciliation, atomic swaps', () => {
  const proxy = new Proxy({ drainTimeoutMs: 3000 });
  let a: TestBackend;
  let b: TestBackend;

  beforeAll(async () => {
    a = await startBackend({ id: 'a', address: BE });
    b = await startBackend({ id: 'b', address: BE });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses an invalid config and keeps serving the previous one', async () => {
    const port = await freePort(GW);
    const ok = await proxy.apply([simple('keep', port, 'a', [a])]);
    expect(ok.gateways['test/keep']!.ok).toBe(true);
    const bad = simple('keep', port, 'b', [b], 2);
    bad.ports[0]!.listeners[0]!.name = 'x';
    (bad.backends as Record<string, unknown>)['b'] = { id: 'not-b', protocol: 'HTTP1', endpoints: [] };
    const res = await proxy.apply([bad]);
    expect(res.gateways['test/keep']!.ok).toBe(false);
    expect(res.gateways['test/keep']!.errors[0]!.reason).toBe('Invalid');
    expect(res.gateways['test/keep']!.listenersBound).toEqual(['test/keep/http']);
    expect((await get(GW, port)).json()).toMatchObject({ id: 'a' });
    await proxy.apply([]);
  });

  it('refuses a config whose certificate does not compile, naming the listener', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('badcert', port, 'a', [a])]);
    const bad = simple('badcert', port, 'a', [a], 2);
    bad.ports[0]!.listeners[0] = {
      name: 'test/badcert/https',
      protocol: 'HTTPS',
      tls: { certificates: [{ certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', privateKey: 'not a key' }] },
      virtualHosts: [],
    };
    const res = await proxy.apply([bad]);
    expect(res.gateways['test/badcert']).toMatchObject({ ok: false, errors: [{ listener: 'test/badcert/https', reason: 'InvalidCertificateRef' }] });
    expect((await get(GW, port)).json()).toMatchObject({ id: 'a' });
    await proxy.apply([]);
  });

  it('reports a port in use as PortUnavailable and serves the other listeners', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, GW, r));
    const busyPort = (busy.address() as net.AddressInfo).port;
    const freeP = await freePort(GW);
    const cfg = gateway(
      'busy',
      GW,
      [
        { port: busyPort, listeners: [httpListener('test/busy/taken', [vhost('*', [rule([{ backend: 'a', weight: 1 }])])])] },
        { port: freeP, listeners: [httpListener('test/busy/free', [vhost('*', [rule([{ backend: 'a', weight: 1 }])])])] },
      ],
      [backendOf('a', [a])],
    );
    const res = await proxy.apply([cfg]);
    const g = res.gateways['test/busy']!;
    expect(g.ok).toBe(true);
    expect(g.listenersBound).toEqual(['test/busy/free']);
    expect(g.errors).toEqual([expect.objectContaining({ listener: 'test/busy/taken', reason: 'PortUnavailable' })]);
    expect((await get(GW, freeP)).status).toBe(200);
    busy.close();
    await proxy.apply([]);
  });

  it('reports an address that is not local as AddressNotUsable', async () => {
    const cfg = simple('far', 18080, 'a', [a]);
    cfg.addresses = ['192.0.2.10'];
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/far']!.errors).toEqual([expect.objectContaining({ listener: 'test/far/http', reason: 'AddressNotUsable' })]);
    expect(res.gateways['test/far']!.listenersBound).toEqual([]);
  });

  it('gives a contested address:port to the first config', async () => {
    const port = await freePort(GW);
    const res = await proxy.apply([simple('first', port, 'a', [a]), simple('second', port, 'b', [b])]);
    expect(res.gateways['test/first']!.listenersBound).toEqual(['test/first/http']);
    expect(res.gateways['test/second']!.errors).toEqual([expect.objectContaining({ reason: 'PortUnavailable' })]);
    expect((await get(GW, port)).json()).toMatchObject({ id: 'a' });
    await proxy.apply([]);
  });

  it('binds L4 listeners and reports them bound; a TCP listener beside HTTP ones on a port is a ProtocolConflict', async () => {
    const port = await freePort(GW);
    const other = await freePort(GW);
    const cfg = simple('l4', port, 'a', [a]);
    cfg.ports[0]!.listeners.push({ name: 'test/l4/tcp-conflict', protocol: 'TCP', routes: [] });
    cfg.ports.push({ port: other, listeners: [{ name: 'test/l4/tcp', protocol: 'TCP', routes: [] }, { name: 'test/l4/udp', protocol: 'UDP', routes: [] }] });
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/l4']!.errors).toEqual([expect.objectContaining({ listener: 'test/l4/tcp-conflict', reason: 'ProtocolConflict' })]);
    expect(res.gateways['test/l4']!.listenersBound.sort()).toEqual(['test/l4/http', 'test/l4/tcp', 'test/l4/udp']);
    expect(proxy.boundKeys().sort()).toEqual([`${GW}:${other}`, `${GW}:${other}/udp`, `${GW}:${port}`].sort());
    await proxy.apply([]);
  });

  it('swaps routers: keep-alive connections use the new config for their next request', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('swap', port, 'a', [a])]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const r1 = await get(GW, port, { agent });
    expect(r1.json()).toMatchObject({ id: 'a' });
    await proxy.apply([simple('swap', port, 'b', [b], 2)]);
    const r2 = await get(GW, port, { agent });
    expect(r2.json()).toMatchObject({ id: 'b' });
    // The same client connection carried both requests.
    expect(r2.localPort).toBe(r1.localPort);
    agent.destroy();
    await proxy.apply([]);
  });

  it('reuses keep-alive connections to an unchanged endpoint across swaps, and closes them when no config uses it', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('pool', port, 'a', [a])]);
    const first = (await get(GW, port)).json<{ remotePort: number }>().remotePort;
    await proxy.apply([simple('pool', port, 'a', [a], 2)]);
    const second = (await get(GW, port)).json<{ remotePort: number }>().remotePort;
    expect(second).toBe(first);
    await proxy.apply([simple('pool', port, 'b', [b], 3)]);
    // The pool to endpoint "a" is closed: a's server sees its connection go (bounded wait).
    const server = a.server as http.Server;
    let open = -1;
    for (let i = 0; i < 100 && open !== 0; i++) {
      open = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
      if (open !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(open).toBe(0);
    await proxy.apply([]);
  });

  it('lets an in-flight request finish on the router it started with', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('inflight', port, 'a', [a])]);
    a.behave = (_req, res) => {
      setTimeout(() => res.end('slow-a'), 400);
      return true;
    };
    const pending = get(GW, port);
    await new Promise((r) => setTimeout(r, 100));
    await proxy.apply([simple('inflight', port, 'b', [b], 2)]);
    const after = await get(GW, port);
    expect(after.json()).toMatchObject({ id: 'b' });
    expect((await pending).body).toBe('slow-a');
    a.behave = null;
    await proxy.apply([]);
  });

  it('drains a removed listener: stops accepting, finishes in-flight requests, then closes', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('drain', port, 'a', [a])]);
    a.behave = (_req, res) => {
      setTimeout(() => res.end('drained-ok'), 500);
      return true;
    };
    const pending = get(GW, port);
    await new Promise((r) => setTimeout(r, 100));
    const res = await proxy.apply([]);
    expect(res.gateways).toEqual({});
    expect(proxy.boundKeys()).not.toContain(`${GW}:${port}`);
    // New connections are refused right away.
    await expect(get(GW, port)).rejects.toThrow(/ECONNREFUSED/);
    expect((await pending).body).toBe('drained-ok');
    a.behave = null;
  });

  it('closes an idle keep-alive connection at once when draining, without waiting for the drain timeout', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('drain-idle', port, 'a', [a])]);
    const agent = new http.Agent({ keepAlive: true });
    const socketClosed = new Promise<number>((resolve) => {
      const req = http.get({ host: GW, port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const started = Date.now();
          req.socket!.once('close', () => resolve(Date.now() - started));
          void proxy.apply([]); // the connection is idle now: removing the listener must close it
        });
      });
    });
    // Far below the 3 s drain timeout of this proxy.
    expect(await socketClosed).toBeLessThan(1000);
    agent.destroy();
  });

  it('drains HTTP/2 sessions: the in-flight stream finishes, then the session is closed (GOAWAY)', async () => {
    const port = await freePort(GW);
    await proxy.apply([simple('drain-h2', port, 'a', [a])]);
    a.behave = (_req, res) => {
      setTimeout(() => res.end('h2-drained'), 400);
      return true;
    };
    const session = http2.connect(`http://${GW}:${port}`);
    const closed = new Promise<void>((r) => session.once('close', r));
    const stream = session.request({ ':path': '/slow' });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((r) => stream.once('end', r));
    await new Promise((r) => setTimeout(r, 100));
    await proxy.apply([]);
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('h2-drained');
    await closed;
    a.behave = null;
  });
});
