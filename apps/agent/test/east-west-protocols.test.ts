/**
 * What else goes through an east-west tunnel, with a real proxy, listener and backends on
 * loopback: HTTP/2 backends (H2C, and H2 over the backend's own TLS), an HTTP/1.1 backend with
 * backend TLS end to end inside the tunnel, an HTTP/1.1 upgrade (WebSocket backends); and what does not: UDP (dropped, where a direct
 * endpoint answers) and a proxy without the ClusterSet certificate (the request fails, nothing
 * reaches the listener).
 */
import dgram from 'node:dgram';
import http2 from 'node:http2';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendTls, Endpoint, GatewayConfig } from '@portway/ir';
import { Proxy } from '@portway/proxy';
import { makeTestCertificates, type TestCertificates } from '@portway/testing';
import { EastWestAllowList } from '../src/east-west/east-west-allow-list.js';
import { EastWestListener } from '../src/east-west/east-west-listener.js';
import type { Log } from '../src/log.js';
import { freePort, httpConfig, l4Config } from './support/ir-configs.js';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const EAST = '127.0.83.1';
const WEST_GW = '127.0.83.2';
const WEST_BACKENDS = '127.0.83.10';

async function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }, host: string): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://${EAST}:${port}${path}`);
  return `${res.status} ${await res.text()}`;
}

/** Sends one datagram and waits up to `ms` for an answer (null: none came). */
async function udpAsk(port: number, payload: string, ms: number): Promise<string | null> {
  const s = dgram.createSocket('udp4');
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      s.on('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      s.send(payload, port, EAST);
    });
  } finally {
    s.close();
  }
}

describe('east-west tunnel: HTTP/2, backend TLS, UDP, missing credentials', () => {
  let certs: TestCertificates;
  let backendCerts: TestCertificates;
  let listener: EastWestListener;
  let proxy: Proxy;
  let bare: Proxy;
  const closers: (() => Promise<unknown>)[] = [];
  const ports: Record<string, number> = {};
  const allowList = new EastWestAllowList();

  beforeAll(async () => {
    certs = await makeTestCertificates({ serverNames: [WEST_GW], clients: ['east'] });
    // The backends' own TLS has its own CA: the tunnel's CA is not what they are checked against.
    backendCerts = await makeTestCertificates({ serverNames: ['store.west.example'] });

    const h2c = http2.createServer((req, res) => res.end(`h2c ${req.url}`));
    const h2 = http2.createSecureServer({ cert: backendCerts.server.cert, key: backendCerts.server.key }, (req, res) => res.end(`h2 ${req.url} ${req.httpVersion}`));
    const h1s = https.createServer({ cert: backendCerts.server.cert, key: backendCerts.server.key }, (req, res) => res.end(`https ${req.url}`));
    // An upgrade backend: answers 101, then echoes upper-cased.
    const upg = http.createServer((_req, res) => res.end('no upgrade'));
    upg.on('upgrade', (_req, socket: net.Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\n');
      if (head.length > 0) socket.write(head.toString().toUpperCase());
      socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
      // An upgraded socket is the handler's: it must answer the peer's FIN itself.
      socket.on('end', () => socket.end());
      socket.on('error', () => undefined);
    });
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, from) => udp.send(`echo ${m.toString()}`, from.port, from.address));
    await new Promise<void>((r) => udp.bind(0, WEST_BACKENDS, r));
    ports.h2c = await listen(h2c, WEST_BACKENDS);
    ports.h2 = await listen(h2, WEST_BACKENDS);
    ports.h1s = await listen(h1s, WEST_BACKENDS);
    ports.upg = await listen(upg, WEST_BACKENDS);
    ports.udp = udp.address().port;
    closers.push(
      () => new Promise((r) => h2c.close(r)),
      () => new Promise((r) => h2.close(r)),
      () => new Promise((r) => h1s.close(r)),
      () => new Promise((r) => upg.close(r)),
      () => new Promise<void>((r) => udp.close(() => r())),
    );

    allowList.set('test', [ports.h2c!, ports.h2!, ports.h1s!, ports.upg!, ports.udp!].map((port) => ({ address: WEST_BACKENDS, port })));
    listener = new EastWestListener({ host: WEST_GW, port: 0, ca: certs.ca.cert, cert: certs.server.cert, key: certs.server.key, allowList, log: quiet });
    await listener.start();
    closers.push(() => listener.close());
    const via = listener.address();

    const tls: BackendTls = { serverName: 'store.west.example', caCertificates: [backendCerts.ca.cert] };
    const ep = (port: number, through = true): Endpoint => ({ address: WEST_BACKENDS, port, cluster: 'west', ready: true, ...(through ? { via } : {}) });
    const be = (id: string, protocol: Backend['protocol'], endpoints: Endpoint[], withTls = false): Backend => ({ id, protocol, endpoints, ...(withTls ? { tls } : {}) });
    for (const k of ['h2c', 'h2', 'h1s', 'upg', 'udpVia', 'udpDirect', 'bare']) ports[`gw-${k}`] = await freePort(EAST);
    const configs: GatewayConfig[] = [
      httpConfig('east', 'h2c', ports['gw-h2c']!, be('ServiceImport/default/h2c:80', 'H2C', [ep(ports.h2c!)]), EAST),
      httpConfig('east', 'h2', ports['gw-h2']!, be('ServiceImport/default/h2:443/tls', 'H2', [ep(ports.h2!)], true), EAST),
      httpConfig('east', 'h1s', ports['gw-h1s']!, be('ServiceImport/default/h1s:443/tls', 'HTTP1', [ep(ports.h1s!)], true), EAST),
      httpConfig('east', 'upg', ports['gw-upg']!, be('ServiceImport/default/upg:80', 'WebSocket', [ep(ports.upg!)]), EAST),
      l4Config('UDP', 'east', 'udp-via', ports['gw-udpVia']!, be('ServiceImport/default/dns:53/udp', 'HTTP1', [ep(ports.udp!)]), EAST),
      l4Config('UDP', 'east', 'udp-direct', ports['gw-udpDirect']!, be('ServiceImport/default/dns:53/udp', 'HTTP1', [ep(ports.udp!, false)]), EAST),
    ];
    proxy = new Proxy({ defaultAddress: EAST, drainTimeoutMs: 200, eastWest: { ca: certs.ca.cert, cert: certs.clients.east!.cert, key: certs.clients.east!.key } });
    const applied = await proxy.apply(configs);
    for (const [k, r] of Object.entries(applied.gateways)) expect(r.ok, `${k}: ${JSON.stringify(r.errors)}`).toBe(true);
    closers.push(() => proxy.close());
    // A proxy without the ClusterSet certificate.
    bare = new Proxy({ defaultAddress: EAST, drainTimeoutMs: 200 });
    await bare.apply([httpConfig('east', 'bare', ports['gw-bare']!, be('ServiceImport/default/h2c:80', 'H2C', [ep(ports.h2c!)]), EAST)]);
    closers.push(() => bare.close());
  }, 30_000);

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('carries H2C: several requests share one tunnel (one HTTP/2 session)', async () => {
    const before = listener.counters.relayed;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => get(ports['gw-h2c']!, `/h2c/${i}`)));
    expect(answers).toEqual(Array.from({ length: 8 }, (_, i) => `200 h2c /h2c/${i}`));
    expect(listener.counters.relayed - before).toBe(1);
  });

  it('carries H2 and HTTP/1.1 over the backend\'s own TLS, end to end inside the tunnel', async () => {
    expect(await get(ports['gw-h2']!, '/secure')).toBe('200 h2 /secure 2.0');
    expect(await get(ports['gw-h1s']!, '/secure')).toBe('200 https /secure');
  });

  it('carries an HTTP/1.1 upgrade (WebSocket backends): the 101, then bytes both ways', async () => {
    const before = listener.counters.relayed;
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: EAST, port: ports['gw-upg']! });
      let data = '';
      s.setEncoding('utf8');
      s.on('connect', () => s.write('GET /chat HTTP/1.1\r\nhost: upg\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n'));
      s.on('data', (c: string) => {
        data += c;
        if (data.includes('\r\n\r\n') && !data.includes('HELLO')) s.write('hello');
        if (data.includes('HELLO')) {
          s.destroy();
          resolve(data);
        }
      });
      s.on('error', reject);
      s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
    });
    expect(got.startsWith('HTTP/1.1 101')).toBe(true);
    expect(got.endsWith('HELLO')).toBe(true);
    expect(listener.counters.relayed - before).toBe(1);
  });

  it('does not carry UDP: a flow to an endpoint behind a gateway is dropped, a direct one answered', async () => {
    expect(await udpAsk(ports['gw-udpDirect']!, 'q1', 2_000)).toBe('echo q1');
    expect(await udpAsk(ports['gw-udpVia']!, 'q2', 500)).toBeNull();
  });

  it('a proxy without the ClusterSet certificate fails the request and never reaches the listener', async () => {
    const counters = { ...listener.counters };
    const r = await get(ports['gw-bare']!, '/x');
    expect(r.startsWith('5')).toBe(true);
    expect(listener.counters).toEqual(counters);
  });
});
