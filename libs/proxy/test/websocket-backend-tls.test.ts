import type { IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Backend, HttpRule } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { makeCa, makeLeaf, type Issued } from './support/certs.js';
import { get } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.70.1';
const BE = '127.0.70.2';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function roundTrip(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.send(text);
  });
}

describe('WebSocket upgrades and backend TLS', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let wss: WebSocketServer;
  let wsPort: number;
  let plain: TestBackend;
  let tlsBackend: TestBackend;
  let ca: Issued;
  let clientCa: Issued;
  let gatewayClient: Issued;
  let port: number;
  let rules: [string, HttpRule][];
  let backends: Backend[];
  const build = (generation: number, extraPath?: string) => {
    const all = extraPath ? [...rules, [extraPath, rule([{ backend: 'plain', weight: 1 }])] as [string, HttpRule]] : rules;
    return gateway(
      'ws',
      GW,
      [{ port, listeners: [httpListener('test/ws/http', [vhost('*', all.map(([, r]) => r), all.map(([p], i) => prefix(p, i)))])] }],
      backends,
      generation,
    );
  };

  beforeAll(async () => {
    wss = new WebSocketServer({ host: BE, port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wsPort = (wss.address() as AddressInfo).port;
    wss.on('connection', (socket, req: IncomingMessage) => {
      socket.on('message', (data) => socket.send(`echo:${String(data)}:${req.url}:${req.headers['x-forwarded-proto']}`));
    });
    ca = await makeCa('Backend CA');
    clientCa = await makeCa('Gateway Client CA');
    gatewayClient = await makeLeaf(clientCa, { cn: 'portway-gateway', client: true });
    const serverCert = await makeLeaf(ca, { dns: ['backend.internal'], uris: ['spiffe://cluster.local/ns/test/sa/backend'] });
    plain = await startBackend({ id: 'plain', address: BE });
    tlsBackend = await startBackend({
      id: 'tls',
      address: BE,
      protocol: 'https',
      tls: { cert: serverCert.cert, key: serverCert.key, ca: clientCa.cert, requestCert: true },
    });
    tlsBackend.behave = (req, res) => {
      const sock = (req.socket ?? (req as unknown as { stream: { session: { socket: TLSSocket } } }).stream.session.socket) as TLSSocket;
      const peer = sock.getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'tls', httpVersion: req.httpVersion, clientCn: peer?.subject?.CN ?? null, servername: sock.servername }));
      return true;
    };
    port = await freePort(GW);
    const tlsEp = [{ address: BE, port: tlsBackend.port, ready: true }];
    backends = [
      { id: 'ws', protocol: 'WebSocket', endpoints: [{ address: BE, port: wsPort, ready: true }] },
      { id: 'ws-h1', protocol: 'HTTP1', endpoints: [{ address: BE, port: wsPort, ready: true }] },
      backendOf('plain', [plain]),
      { id: 'tls-ok', protocol: 'HTTP1', endpoints: tlsEp, tls: { serverName: 'backend.internal', caCertificates: [ca.cert] } },
      { id: 'tls-wrong-name', protocol: 'HTTP1', endpoints: tlsEp, tls: { serverName: 'other.internal', caCertificates: [ca.cert] } },
      { id: 'tls-untrusted', protocol: 'HTTP1', endpoints: tlsEp, tls: { serverName: 'backend.internal', caCertificates: [clientCa.cert] } },
      {
        id: 'tls-san-uri',
        protocol: 'HTTP1',
        endpoints: tlsEp,
        tls: { serverName: 'not-in-cert', caCertificates: [ca.cert], subjectAltNames: [{ type: 'URI', value: 'spiffe://cluster.local/ns/test/sa/backend' }] },
      },
      {
        id: 'tls-client-cert',
        protocol: 'HTTP1',
        endpoints: tlsEp,
        tls: { serverName: 'backend.internal', caCertificates: [ca.cert], clientCertificate: { certificate: gatewayClient.cert, privateKey: gatewayClient.key } },
      },
      { id: 'tls-h2', protocol: 'H2', endpoints: tlsEp, tls: { serverName: 'backend.internal', caCertificates: [ca.cert] } },
    ];
    rules = [
      ['/ws', rule([{ backend: 'ws', weight: 1 }])],
      ['/upgrade-h1', rule([{ backend: 'ws-h1', weight: 1 }])],
      ['/tls-ok', rule([{ backend: 'tls-ok', weight: 1 }])],
      ['/tls-wrong-name', rule([{ backend: 'tls-wrong-name', weight: 1 }])],
      ['/tls-untrusted', rule([{ backend: 'tls-untrusted', weight: 1 }])],
      ['/tls-san-uri', rule([{ backend: 'tls-san-uri', weight: 1 }])],
      ['/tls-client-cert', rule([{ backend: 'tls-client-cert', weight: 1 }])],
      ['/tls-h2', rule([{ backend: 'tls-h2', weight: 1 }])],
      ['/', rule([{ backend: 'plain', weight: 1 }])],
    ];
    expect((await proxy.apply([build(1)])).gateways['test/ws']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await Promise.all([plain.close(), tlsBackend.close()]);
  });

  it('proxies WebSocket upgrades both ways (WebSocket and plain HTTP1 backends)', async () => {
    const ws = await open(`ws://${GW}:${port}/ws/chat?x=1`);
    expect(await roundTrip(ws, 'hello')).toBe('echo:hello:/ws/chat?x=1:http');
    ws.close();
    const ws2 = await open(`ws://${GW}:${port}/upgrade-h1`);
    expect(await roundTrip(ws2, 'hi')).toBe('echo:hi:/upgrade-h1:http');
    ws2.close();
  });

  it('keeps an upgraded connection through config swaps', async () => {
    const ws = await open(`ws://${GW}:${port}/ws/long`);
    expect(await roundTrip(ws, 'before')).toBe('echo:before:/ws/long:http');
    const res = await proxy.apply([build(2, '/new-path')]);
    expect(res.gateways['test/ws']!.ok).toBe(true);
    expect((await get(GW, port, { path: '/new-path' })).json()).toMatchObject({ id: 'plain' });
    expect(await roundTrip(ws, 'after')).toBe('echo:after:/ws/long:http');
    await proxy.apply([build(3)]);
    expect(await roundTrip(ws, 'again')).toBe('echo:again:/ws/long:http');
    ws.close();
  });

  it('ends the connection when the backend does not switch protocols, so no request can bypass routing', async () => {
    const before = plain.seen.length;
    const sock = net.connect({ host: GW, port });
    await new Promise((r) => sock.once('connect', r));
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write('GET /not-ws HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: something\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    if (!sock.destroyed) sock.write('GET /smuggled HTTP/1.1\r\nhost: x\r\n\r\n');
    await closed;
    const text = Buffer.concat(chunks).toString();
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(plain.seen.slice(before).map((x) => x.path)).toEqual(['/not-ws']);
  });

  it('refuses an upgrade with no route', async () => {
    await proxy.apply([
      gateway('ws', GW, [{ port, listeners: [httpListener('test/ws/http', [vhost('only.example.com', [rule([{ backend: 'ws', weight: 1 }])])])] }], backends, 4),
    ]);
    await expect(open(`ws://${GW}:${port}/ws`)).rejects.toThrow(/404/);
    await proxy.apply([build(5)]);
  });

  it('verifies backend certificates against the given CA and serverName', async () => {
    const ok = await get(GW, port, { path: '/tls-ok' });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'tls', servername: 'backend.internal', clientCn: null });
    expect((await get(GW, port, { path: '/tls-wrong-name' })).status).toBe(502);
    expect((await get(GW, port, { path: '/tls-untrusted' })).status).toBe(502);
  });

  it("sends the policy's serverName as SNI whatever the request's Host header says", async () => {
    const r = await get(GW, port, { path: '/tls-ok', host: 'client-facing.example.com' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ servername: 'backend.internal' });
  });

  it('checks subjectAltNames (URI) instead of the serverName when given', async () => {
    const r = await get(GW, port, { path: '/tls-san-uri' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ servername: 'not-in-cert' });
  });

  it('presents the gateway client certificate to the backend', async () => {
    const r = await get(GW, port, { path: '/tls-client-cert' });
    expect(r.json()).toMatchObject({ clientCn: 'portway-gateway' });
  });

  it('speaks HTTP/2 over TLS to H2 backends', async () => {
    const r = await get(GW, port, { path: '/tls-h2' });
    expect(r.json()).toMatchObject({ id: 'tls', httpVersion: '2.0' });
  });
});
