import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { makeCa, makeLeaf, type Issued } from './support/certs.js';
import { getTls } from './support/client.js';
import { backendOf, gateway, rule, vhost } from './support/config.js';
import { startTcpEcho, startTlsEcho, startTlsSinkSource, type L4Backend, type SinkSource } from './support/l4-backends.js';
import { echo, splittingSocket, tlsGreeting } from './support/l4-client.js';
import { l4Backend, l4Route, passthrough, terminate } from './support/l4-config.js';

const GW = '127.0.40.1';
const BE = '127.0.40.2';
const TEN_MB = 10 * 1024 * 1024;

describe('TLS listeners: passthrough and terminate by SNI, mixed with HTTPS on one port', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let ca: Issued;
  let passA: L4Backend;
  let passWild: L4Backend;
  let plainEcho: L4Backend;
  let sink: SinkSource;
  let http: TestBackend;
  let termCert: Issued;
  let httpsCert: Issued;
  let passPort: number;
  let mixedPort: number;
  let bigPort: number;
  let invalidPort: number;
  let mtlsPort: number;
  let clientCa: Issued;
  let client: Issued;
  const fromBackend = randomBytes(TEN_MB);

  beforeAll(async () => {
    ca = await makeCa();
    const [certA, certWild, certSink] = await Promise.all([
      makeLeaf(ca, { dns: ['a.example.com'] }),
      makeLeaf(ca, { dns: ['*.wild.example.com'] }),
      makeLeaf(ca, { dns: ['big.example.com'] }),
    ]);
    termCert = await makeLeaf(ca, { dns: ['term.example.com'] });
    httpsCert = await makeLeaf(ca, { dns: ['web.example.com'] });
    passA = await startTlsEcho('pass-a', BE, certA);
    passWild = await startTlsEcho('pass-wild', BE, certWild);
    plainEcho = await startTcpEcho('plain', BE);
    sink = await startTlsSinkSource('sink', BE, certSink, fromBackend);
    http = await startBackend({ id: 'http', address: BE });
    clientCa = await makeCa('Client CA');
    client = await makeLeaf(clientCa, { cn: 'client', client: true });
    [passPort, mixedPort, bigPort, invalidPort, mtlsPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort(GW)));
    const mtls = terminate('test/tls/mtls', 'term.example.com', termCert, [l4Route('TLSRoute', ['term.example.com'], [{ backend: 'plain', weight: 1 }])]);
    if (mtls.protocol === 'TLS' && mtls.mode === 'Terminate') mtls.tls.clientValidation = { caCertificates: [clientCa.cert], mode: 'AllowValidOnly' };
    const cfg = gateway(
      'tls',
      GW,
      [
        {
          port: passPort,
          listeners: [
            passthrough('test/tls/pass', undefined, [
              l4Route('TLSRoute', ['a.example.com'], [{ backend: 'pass-a', weight: 1 }]),
              l4Route('TLSRoute', ['*.wild.example.com'], [{ backend: 'pass-wild', weight: 1 }]),
            ]),
          ],
        },
        {
          port: mixedPort,
          listeners: [
            {
              name: 'test/tls/https',
              protocol: 'HTTPS',
              hostname: 'web.example.com',
              tls: { certificates: [{ certificate: httpsCert.cert, privateKey: httpsCert.key }] },
              virtualHosts: [vhost('*', [rule([{ backend: 'http', weight: 1 }])])],
            },
            terminate('test/tls/term', 'term.example.com', termCert, [l4Route('TLSRoute', [], [{ backend: 'plain', weight: 1 }])]),
            passthrough('test/tls/mixed-pass', '*.wild.example.com', [l4Route('TLSRoute', [], [{ backend: 'pass-wild', weight: 1 }])]),
          ],
        },
        { port: bigPort, listeners: [passthrough('test/tls/big', 'big.example.com', [l4Route('TLSRoute', ['big.example.com'], [{ backend: 'sink', weight: 1 }])])] },
        { port: mtlsPort, listeners: [mtls] },
        { port: invalidPort, listeners: [passthrough('test/tls/invalid', undefined, [l4Route('TLSRoute', ['example.com'], [{ backend: null, weight: 1 }])])] },
      ],
      [l4Backend('pass-a', [passA]), l4Backend('pass-wild', [passWild]), l4Backend('plain', [plainEcho]), l4Backend('sink', [sink]), backendOf('http', [http])],
    );
    const res = await proxy.apply([cfg]);
    expect(res.gateways['test/tls']).toMatchObject({ ok: true, errors: [] });
    expect(res.gateways['test/tls']!.listenersBound.sort()).toEqual(
      ['test/tls/pass', 'test/tls/https', 'test/tls/term', 'test/tls/mixed-pass', 'test/tls/big', 'test/tls/invalid', 'test/tls/mtls'].sort(),
    );
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([passA, passWild, plainEcho, sink, http].map((b) => b.close()));
  });

  it('passes connections through by SNI: the client sees each backend certificate', async () => {
    const a = await tlsGreeting(GW, passPort, { servername: 'a.example.com', ca: ca.cert });
    expect(a.cn).toBe('a.example.com');
    expect(a.line).toBe('hello pass-a a.example.com');
    expect(await echo(a.socket, 'ping-a')).toBe('ping-a');
    a.socket.destroy();
    const w = await tlsGreeting(GW, passPort, { servername: 'x.wild.example.com', ca: ca.cert });
    expect(w.cn).toBe('*.wild.example.com');
    expect(w.line).toBe('hello pass-wild x.wild.example.com');
    w.socket.destroy();
  });

  it('refuses an unknown SNI, no SNI, and bytes that are not TLS', async () => {
    await expect(tlsGreeting(GW, passPort, { servername: 'nobody.example.com', ca: ca.cert })).rejects.toThrow();
    await expect(tlsGreeting(GW, passPort, { ca: ca.cert })).rejects.toThrow();
    // A wildcard matches one label or more below its suffix, never the suffix itself.
    await expect(tlsGreeting(GW, passPort, { servername: 'wild.example.com', ca: ca.cert })).rejects.toThrow();
    const { connect } = await import('node:net');
    const closed = await new Promise<string>((resolve) => {
      const s = connect({ host: GW, port: passPort }, () => s.write('GET / HTTP/1.1\r\nhost: a\r\n\r\n'));
      let got = '';
      s.on('data', (c: Buffer) => (got += c.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve(got));
    });
    expect(closed).toBe('');
  });

  it('refuses connections to a route whose only backendRef is invalid (during the handshake)', async () => {
    const err = await tlsGreeting(GW, invalidPort, { servername: 'example.com', ca: ca.cert }).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.code ?? err!.message).toMatch(/ECONNRESET|socket disconnected|EPIPE/);
  });

  it('reads a ClientHello that arrives in several TCP segments', async () => {
    const socket = splittingSocket(GW, passPort, [3, 9, 60, 200], 30);
    const g = await tlsGreeting(GW, passPort, { servername: 'a.example.com', ca: ca.cert, socket });
    expect(g.cn).toBe('a.example.com');
    expect(await echo(g.socket, 'after-split')).toBe('after-split');
    g.socket.destroy();
  });

  it('carries 10 MB both ways intact on a passthrough connection (half-closed both ways)', async () => {
    const fromClient = randomBytes(TEN_MB);
    const before = sink.received.length;
    const got = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: GW, port: bigPort, servername: 'big.example.com', ca: ca.cert }, () => s.end(fromClient));
      const h = createHash('sha256');
      s.on('data', (c: Buffer) => h.update(c));
      s.on('end', () => resolve(h.digest('hex')));
      s.on('error', reject);
    });
    expect(got).toBe(createHash('sha256').update(fromBackend).digest('hex'));
    for (let i = 0; i < 100 && sink.received.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sink.received[before]).toBe(createHash('sha256').update(fromClient).digest('hex'));
  }, 30_000);

  it('serves HTTPS, TLS terminate and TLS passthrough listeners on one port by SNI', async () => {
    const web = await getTls(GW, mixedPort, { servername: 'web.example.com', host: 'web.example.com', ca: ca.cert, path: '/hello' });
    expect(web.status).toBe(200);
    expect(web.json()).toMatchObject({ id: 'http', path: '/hello' });

    const term = await tlsGreeting(GW, mixedPort, { servername: 'term.example.com', ca: ca.cert });
    expect(term.cn).toBe('term.example.com');
    expect(term.line).toBe('hello plain');
    expect(await echo(term.socket, 'decrypted')).toBe('decrypted');
    term.socket.destroy();

    const pass = await tlsGreeting(GW, mixedPort, { servername: 'y.wild.example.com', ca: ca.cert });
    expect(pass.cn).toBe('*.wild.example.com');
    expect(pass.line).toBe('hello pass-wild y.wild.example.com');
    pass.socket.destroy();

    // No listener for this name, and none without hostname: refused.
    await expect(tlsGreeting(GW, mixedPort, { servername: 'other.example.com', ca: ca.cert })).rejects.toThrow();
    await expect(tlsGreeting(GW, mixedPort, { ca: ca.cert })).rejects.toThrow();
  });

  it('terminates with client certificate validation: a client without a valid certificate is refused', async () => {
    await expect(tlsGreeting(GW, mtlsPort, { servername: 'term.example.com', ca: ca.cert })).rejects.toThrow();
    const ok = await tlsGreeting(GW, mtlsPort, { servername: 'term.example.com', ca: ca.cert, cert: client.cert, key: client.key });
    expect(ok.line).toBe('hello plain');
    ok.socket.destroy();
  });

  it('keeps TLS connections across a config swap; new connections use the new config', async () => {
    const before = await tlsGreeting(GW, passPort, { servername: 'a.example.com', ca: ca.cert });
    const swapped = gateway(
      'tls',
      GW,
      [{ port: passPort, listeners: [passthrough('test/tls/pass', undefined, [l4Route('TLSRoute', ['a.example.com'], [{ backend: 'pass-wild', weight: 1 }])])] }],
      [l4Backend('pass-wild', [passWild])],
      2,
    );
    const res = await proxy.apply([swapped]);
    expect(res.gateways['test/tls']!.listenersBound).toEqual(['test/tls/pass']);
    expect(await echo(before.socket, 'still-a')).toBe('still-a');
    const after = await tlsGreeting(GW, passPort, { servername: 'a.example.com', ca: ca.cert });
    expect(after.line).toBe('hello pass-wild a.example.com');
    before.socket.destroy();
    after.socket.destroy();
  });
});
