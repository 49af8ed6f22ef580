/**
 * Reachability across clusters, with real agents, proxies and backends on loopback: cluster
 * east routes to endpoints of cluster west, dialed directly (flat network) or through west's
 * east-west listener with mutual TLS (`Endpoint.via`).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '@portway/bus';
import type { Backend, Endpoint } from '@portway/ir';
import { eastWestServerName } from '@portway/proxy';
import { makeTestCertificates, type TestCertificates } from '@portway/testing';
import { Agent } from '../src/agent.js';
import { EastWestAllowList } from '../src/east-west/east-west-allow-list.js';
import { EastWestAllowingDataPlane } from '../src/east-west/east-west-data-plane.js';
import { EastWestListener } from '../src/east-west/east-west-listener.js';
import { InProcessDataPlane } from '../src/in-process-data-plane.js';
import type { Log } from '../src/log.js';
import { freePort, httpConfig, l4Config } from './support/ir-configs.js';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const EAST = '127.0.81.1';
const WEST_GW = '127.0.81.2';
const WEST_BACKENDS = '127.0.82.1';
const WEST_PRIVATE = '127.0.82.2';

/** An HTTP backend answering with its name and the path it got. */
async function httpBackend(host: string, name: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-backend', name);
    res.end(`${name} ${req.url ?? ''}`);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A TCP backend: echoes what it reads, and after the client's FIN writes "bye" and closes. */
async function tcpEchoBackend(host: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end('bye'));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port };
}

function backend(id: string, endpoints: Endpoint[]): Backend {
  return { id, protocol: 'HTTP1', endpoints };
}

const tcpConfig = (cluster: string, name: string, port: number, b: Backend, address: string) => l4Config('TCP', cluster, name, port, b, address);

async function get(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
  });
}

/** Sends `data`, half-closes, and collects everything until the other side closes. */
async function tcpExchange(host: string, port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, allowHalfOpen: true });
    let got = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.end(data));
    s.on('data', (c: string) => (got += c));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
  });
}

/** Opens TLS to `host:port` with `options` and reports what came of it: the bytes read before the close, or the error. */
async function tlsProbe(host: string, port: number, options: tls.ConnectionOptions, send: string): Promise<{ data: string; error: string | null }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, ...options });
    let data = '';
    let error: string | null = null;
    s.setEncoding('utf8');
    s.on('secureConnect', () => s.write(send));
    s.on('data', (c: string) => (data += c));
    s.on('error', (e) => (error = e.message));
    s.on('close', () => resolve({ data, error }));
    s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
  });
}

describe('east-west reachability', () => {
  let certs: TestCertificates;
  let outsider: TestCertificates;
  const bus = new InProcessBus();
  const closers: (() => Promise<void>)[] = [];
  let westListener: EastWestListener;
  let allowList: EastWestAllowList;
  let westHttp: number;
  let westTcp: number;
  let privateHttp: number;
  let eastHttpDirect: number;
  let eastHttpVia: number;
  let eastTcpVia: number;
  let westAgent: Agent;
  let eastAgent: Agent;

  beforeAll(async () => {
    certs = await makeTestCertificates({ serverNames: [WEST_GW], clients: ['east', 'west'] });
    // Another CA altogether: its client certificate is well formed but not the ClusterSet's.
    outsider = await makeTestCertificates({ serverNames: [WEST_GW], clients: ['intruder'] });

    const hb = await httpBackend(WEST_BACKENDS, 'west-backend');
    const tb = await tcpEchoBackend(WEST_BACKENDS);
    const pb = await httpBackend(WEST_PRIVATE, 'west-private');
    closers.push(async () => {
      for (const s of [hb.server, tb.server, pb.server]) await new Promise<void>((r) => s.close(() => r()));
    });
    westHttp = hb.port;
    westTcp = tb.port;
    privateHttp = pb.port;

    // West: an agent serving a Gateway in front of its backends, and its east-west listener.
    allowList = new EastWestAllowList();
    westListener = new EastWestListener({ host: WEST_GW, port: 0, ca: certs.ca.cert, cert: certs.server.cert, key: certs.server.key, allowList, log: quiet });
    await westListener.start();
    closers.push(() => westListener.close());
    const westDataPlane = new EastWestAllowingDataPlane(new InProcessDataPlane({ defaultAddress: WEST_GW }), allowList, 'west');
    const westLocal = (port: number): Endpoint => ({ address: WEST_BACKENDS, port, ready: true });
    const westGwPort = await freePort(WEST_GW);
    const westTcpGwPort = await freePort(WEST_GW);
    await bus.putConfig({ cluster: 'west', namespace: 'default', name: 'web' }, httpConfig('west', 'web', westGwPort, backend('Service/default/web:80', [westLocal(westHttp)]), WEST_GW));
    await bus.putConfig({ cluster: 'west', namespace: 'default', name: 'db' }, tcpConfig('west', 'db', westTcpGwPort, backend('Service/default/db:5432', [westLocal(westTcp)]), WEST_GW));
    westAgent = new Agent({ name: 'west-1', cluster: 'west', bus, dataPlane: westDataPlane, log: quiet });
    westAgent.start();
    await westAgent.ready();
    closers.push(() => westAgent.stop());

    // East: its agent's proxy carries the ClusterSet client certificate.
    const ew = westListener.address();
    const via = { address: ew.address, port: ew.port };
    const remote = (port: number, through: boolean): Endpoint => ({ address: WEST_BACKENDS, port, cluster: 'west', ready: true, ...(through ? { via } : {}) });
    eastHttpDirect = await freePort(EAST);
    eastHttpVia = await freePort(EAST);
    eastTcpVia = await freePort(EAST);
    await bus.putConfig({ cluster: 'east', namespace: 'default', name: 'direct' }, httpConfig('east', 'direct', eastHttpDirect, backend('ServiceImport/default/web:80', [remote(westHttp, false)]), EAST));
    await bus.putConfig({ cluster: 'east', namespace: 'default', name: 'via' }, httpConfig('east', 'via', eastHttpVia, backend('ServiceImport/default/web:80', [remote(westHttp, true)]), EAST));
    await bus.putConfig({ cluster: 'east', namespace: 'default', name: 'tcp' }, tcpConfig('east', 'tcp', eastTcpVia, backend('ServiceImport/default/db:5432', [remote(westTcp, true)]), EAST));
    const eastProxy = new InProcessDataPlane({ defaultAddress: EAST, eastWest: { ca: certs.ca.cert, cert: certs.clients.east!.cert, key: certs.clients.east!.key } });
    eastAgent = new Agent({ name: 'east-1', cluster: 'east', bus, dataPlane: eastProxy, log: quiet });
    eastAgent.start();
    await eastAgent.ready();
    closers.push(() => eastAgent.stop());
    for (const [k, s] of [...westAgent.serving(), ...eastAgent.serving()]) expect(s.ok, `${k}: ${JSON.stringify(s.errors)}`).toBe(true);
  }, 30_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('west allows exactly the endpoints its own configs serve', () => {
    expect(allowList.has(WEST_BACKENDS, westHttp)).toBe(true);
    expect(allowList.has(WEST_BACKENDS, westTcp)).toBe(true);
    expect(allowList.has(WEST_PRIVATE, privateHttp)).toBe(false);
    expect(allowList.size).toBe(2);
  });

  it('dials a remote endpoint directly when it has no via (flat network)', async () => {
    const relayed = westListener.counters.relayed;
    const r = await get(EAST, eastHttpDirect, '/flat');
    expect(r).toEqual({ status: 200, body: 'west-backend /flat' });
    expect(westListener.counters.relayed).toBe(relayed);
  });

  it('reaches west over HTTP/1.1 through its east-west listener, with keep-alive reuse of the tunnel', async () => {
    const relayed = westListener.counters.relayed;
    for (let i = 0; i < 20; i++) {
      const r = await get(EAST, eastHttpVia, `/through/${i}`);
      expect(r).toEqual({ status: 200, body: `west-backend /through/${i}` });
    }
    // One tunnel per pooled connection: sequential requests reuse it.
    expect(westListener.counters.relayed - relayed).toBe(1);
  });

  it('carries a TCP route through the east-west listener, half-close included', async () => {
    const relayed = westListener.counters.relayed;
    const payload = 'x'.repeat(256 * 1024);
    const got = await tcpExchange(EAST, eastTcpVia, payload);
    expect(got.length).toBe(payload.length + 3);
    expect(got.endsWith('bye')).toBe(true);
    expect(westListener.counters.relayed - relayed).toBe(1);
  });

  it('refuses a client without a certificate, and one whose certificate the ClusterSet CA did not sign', async () => {
    const failed = westListener.counters.handshakeFailed;
    const target = { servername: eastWestServerName(WEST_BACKENDS, westHttp), ca: [certs.ca.cert], checkServerIdentity: () => undefined };
    const request = 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n';
    const noCert = await tlsProbe(WEST_GW, westListener.address().port, target, request);
    expect(noCert.data).toBe('');
    const foreign = await tlsProbe(WEST_GW, westListener.address().port, { ...target, cert: outsider.clients.intruder!.cert, key: outsider.clients.intruder!.key }, request);
    expect(foreign.data).toBe('');
    expect(westListener.counters.handshakeFailed - failed).toBe(2);
    // The same request with the ClusterSet certificate is relayed: the refusals were about the certificate.
    const valid = await tlsProbe(WEST_GW, westListener.address().port, { ...target, cert: certs.clients.east!.cert, key: certs.clients.east!.key }, request);
    expect(valid.data).toContain('west-backend /');
  });

  it('refuses a target that is not one of west\'s endpoints, and a name that is no target', async () => {
    const refused = westListener.counters.refused;
    const creds = { ca: [certs.ca.cert], cert: certs.clients.east!.cert, key: certs.clients.east!.key, checkServerIdentity: () => undefined };
    const request = 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n';
    const notServed = await tlsProbe(WEST_GW, westListener.address().port, { ...creds, servername: eastWestServerName(WEST_PRIVATE, privateHttp) }, request);
    expect(notServed.data).toBe('');
    const noName = await tlsProbe(WEST_GW, westListener.address().port, { ...creds, servername: 'example.com' }, request);
    expect(noName.data).toBe('');
    expect(westListener.counters.refused - refused).toBe(2);
    // The private backend is up: only the allow-list kept it out.
    expect((await get(WEST_PRIVATE, privateHttp, '/')).body).toBe('west-private /');
  });
  it('follows west\'s configs: an endpoint west stops serving is refused from then on', async () => {
    await bus.deleteConfig({ cluster: 'west', namespace: 'default', name: 'db' });
    for (let i = 0; i < 200 && allowList.has(WEST_BACKENDS, westTcp); i++) await new Promise((r) => setTimeout(r, 10));
    expect(allowList.has(WEST_BACKENDS, westTcp)).toBe(false);
    const refused = westListener.counters.refused;
    // East still routes there (its config did not change): the tunnel is closed before any byte.
    expect(await tcpExchange(EAST, eastTcpVia, 'hello')).toBe('');
    expect(westListener.counters.refused - refused).toBe(1);
    expect(allowList.has(WEST_BACKENDS, westHttp)).toBe(true);
  });
});
