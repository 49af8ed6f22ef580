import http2 from 'node:http2';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listener } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { makeCa, makeLeaf, type Issued } from './support/certs.js';
import { get, getH2, getTls } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.30.1';
const BE = '127.0.30.2';

function https(name: string, hostname: string | undefined, certs: Issued[], extra: Partial<Extract<Listener, { protocol: 'HTTPS' }>['tls']> = {}, backend = 'a'): Listener {
  return {
    name,
    protocol: 'HTTPS',
    ...(hostname !== undefined ? { hostname } : {}),
    tls: { certificates: certs.map((c) => ({ certificate: c.cert, privateKey: c.key })), ...extra },
    virtualHosts: [vhost('*', [rule([{ backend, weight: 1 }])])],
  };
}

/** Resolves with the peer certificate's CN, or rejects when the handshake fails. */
function handshake(port: number, servername: string | undefined, ca: string, client?: Issued): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: GW, port, servername, ca, cert: client?.cert, key: client?.key, ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN ?? '');
      s.end();
      resolve(cn);
    });
    s.on('error', reject);
  });
}

describe('HTTPS listeners (SNI, 421, client certificates), HTTP/2, gRPC errors', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let a: TestBackend;
  let b: TestBackend;
  let h2b: TestBackend;
  let ca: Issued;
  let clientCa: Issued;
  let client: Issued;
  let certA: Issued;
  let certWild: Issued;
  let certDefault: Issued;
  let httpPort: number;
  let tlsPort: number;
  let strictPort: number;
  let mtlsPort: number;
  let fallbackPort: number;
  let mixedPort: number;

  beforeAll(async () => {
    a = await startBackend({ id: 'a', address: BE });
    b = await startBackend({ id: 'b', address: BE });
    h2b = await startBackend({ id: 'h2', address: BE, protocol: 'h2c' });
    ca = await makeCa();
    clientCa = await makeCa('Client CA');
    client = await makeLeaf(clientCa, { cn: 'client', client: true });
    certA = await makeLeaf(ca, { dns: ['a.example.com'] });
    certWild = await makeLeaf(ca, { dns: ['*.wild.example.com'] });
    certDefault = await makeLeaf(ca, { dns: ['default.example.com'] });
    [httpPort, tlsPort, strictPort, mtlsPort, fallbackPort, mixedPort] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort(GW)));
    const cfg = gateway(
      'tls',
      GW,
      [
        {
          port: httpPort,
          listeners: [
            httpListener('test/tls/http', [
              vhost(
                '*',
                [rule([{ backend: 'a', weight: 1 }]), rule([{ backend: 'h2', weight: 1 }]), rule([{ backend: 'none', weight: 1 }]), rule([{ backend: null, weight: 1 }])],
                [prefix('/h1', 0), prefix('/h2', 1), prefix('/none', 2), prefix('/invalid', 3)],
              ),
            ]),
          ],
        },
        {
          port: tlsPort,
          listeners: [https('test/tls/a', 'a.example.com', [certA]), https('test/tls/wild', '*.wild.example.com', [certWild], {}, 'b'), https('test/tls/default', undefined, [certDefault])],
        },
        { port: strictPort, listeners: [https('test/tls/strict', 'a.example.com', [certA])] },
        {
          port: mtlsPort,
          listeners: [https('test/tls/mtls', undefined, [certDefault], { clientValidation: { caCertificates: [clientCa.cert], mode: 'AllowValidOnly' } })],
        },
        {
          port: fallbackPort,
          listeners: [https('test/tls/fallback', undefined, [certDefault], { clientValidation: { caCertificates: [clientCa.cert], mode: 'AllowInsecureFallback' } })],
        },
        {
          port: mixedPort,
          listeners: [
            https('test/tls/mixed-strict', 'a.example.com', [certA], { clientValidation: { caCertificates: [clientCa.cert], mode: 'AllowValidOnly' } }),
            https('test/tls/mixed-open', undefined, [certDefault]),
          ],
        },
      ],
      [backendOf('a', [a]), backendOf('b', [b]), backendOf('h2', [h2b], { protocol: 'H2C' }), backendOf('none', [])],
    );
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/tls']!.errors).toEqual([]);
    expect(res.gateways['test/tls']!.listenersBound).toHaveLength(9);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close(), h2b.close()]);
  });

  it('picks the listener and certificate by SNI', async () => {
    expect(await handshake(tlsPort, 'a.example.com', ca.cert)).toBe('a.example.com');
    expect(await handshake(tlsPort, 'x.wild.example.com', ca.cert)).toBe('*.wild.example.com');
    // Unknown SNI and no SNI: the listener without hostname.
    expect(await handshake(tlsPort, 'unknown.org', ca.cert)).toBe('default.example.com');
    expect(await handshake(tlsPort, undefined, ca.cert)).toBe('default.example.com');
    const r = await getTls(GW, tlsPort, { servername: 'q.wild.example.com', host: 'q.wild.example.com', ca: ca.cert });
    expect(r.json()).toMatchObject({ id: 'b', headers: { 'x-forwarded-proto': 'https' } });
  });

  it('refuses the handshake when no listener matches the SNI and none lacks a hostname', async () => {
    await expect(handshake(strictPort, 'other.example.com', ca.cert)).rejects.toThrow();
    expect(await handshake(strictPort, 'a.example.com', ca.cert)).toBe('a.example.com');
  });

  it('answers 421 when the Host selects another listener than the SNI did', async () => {
    const r = await getTls(GW, tlsPort, { servername: 'a.example.com', host: 'q.wild.example.com', ca: ca.cert });
    expect(r.status).toBe(421);
    const ok = await getTls(GW, tlsPort, { servername: 'a.example.com', host: 'a.example.com:443', ca: ca.cert });
    expect(ok.status).toBe(200);
  });

  it('serves HTTP/2 over TLS (ALPN h2) and h2c with prior knowledge', async () => {
    const overTls = await getH2(`https://${GW}:${tlsPort}`, { tls: { ca: ca.cert, servername: 'a.example.com' }, path: '/x', host: 'a.example.com' });
    expect(overTls.alpn).toBe('h2');
    expect(overTls.status).toBe(200);
    expect(JSON.parse(overTls.body)).toMatchObject({ id: 'a', headers: { host: 'a.example.com' } });
    const h2c = await getH2(`http://${GW}:${httpPort}`, { path: '/h1/y' });
    expect(h2c.status).toBe(200);
    expect(JSON.parse(h2c.body)).toMatchObject({ id: 'a', path: '/h1/y' });
  });

  it('forwards to H2C backends over HTTP/2', async () => {
    const r = await get(GW, httpPort, { path: '/h2/z', method: 'POST', body: 'hello' });
    expect(r.json()).toMatchObject({ id: 'h2', httpVersion: '2.0', path: '/h2/z', body: 'hello' });
  });

  it('answers gRPC requests with trailers-only gRPC statuses', async () => {
    const session = http2.connect(`http://${GW}:${httpPort}`);
    const call = (path: string) =>
      new Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader>((resolve, reject) => {
        const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
        s.end(Buffer.from([0, 0, 0, 0, 0]));
        s.on('response', (h, flags) => resolve({ ...h, endStream: String((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) } as never));
        s.on('error', reject);
        s.resume();
      });
    const unknown = await call('/pkg.Svc/Nope');
    const noEndpoint = await call('/none/pkg.Svc/M');
    const invalid = await call('/invalid/pkg.Svc/M');
    session.close();
    expect(unknown).toMatchObject({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', endStream: 'true' });
    expect(noEndpoint).toMatchObject({ ':status': 200, 'grpc-status': '14' });
    expect(invalid).toMatchObject({ ':status': 200, 'grpc-status': '13' });
  });

  it('validates client certificates: AllowValidOnly refuses a client without one', async () => {
    await expect(getTls(GW, mtlsPort, { servername: 'default.example.com', ca: ca.cert })).rejects.toThrow();
    const untrusted = await makeLeaf(ca, { cn: 'wrong-ca', client: true });
    await expect(getTls(GW, mtlsPort, { servername: 'default.example.com', ca: ca.cert, cert: untrusted.cert, key: untrusted.key })).rejects.toThrow();
    const ok = await getTls(GW, mtlsPort, { servername: 'default.example.com', ca: ca.cert, cert: client.cert, key: client.key });
    expect(ok.status).toBe(200);
  });

  it('applies the client validation of the listener the SNI picked, on a port shared with an open listener', async () => {
    await expect(getTls(GW, mixedPort, { servername: 'a.example.com', host: 'a.example.com', ca: ca.cert })).rejects.toThrow();
    const ok = await getTls(GW, mixedPort, { servername: 'a.example.com', host: 'a.example.com', ca: ca.cert, cert: client.cert, key: client.key });
    expect(ok.status).toBe(200);
    expect((await getTls(GW, mixedPort, { servername: 'default.example.com', ca: ca.cert })).status).toBe(200);
  });

  it('validates client certificates: AllowInsecureFallback accepts a client without one', async () => {
    expect((await getTls(GW, fallbackPort, { servername: 'default.example.com', ca: ca.cert })).status).toBe(200);
    expect((await getTls(GW, fallbackPort, { servername: 'default.example.com', ca: ca.cert, cert: client.cert, key: client.key })).status).toBe(200);
  });
});
