import http2 from 'node:http2';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEcho, type EchoServer } from '../src/index.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { rawRequest } from './support/raw-http.js';

interface EchoJson {
  proto: string;
  httpPort: string;
  tls?: Record<string, unknown>;
}

const GET = 'GET /secure HTTP/1.1\r\nHost: abc.example.com\r\nConnection: close\r\n\r\n';

describe('HTTPS listener', () => {
  let pki: TestPki;
  let plain: EchoServer;
  let mtls: EchoServer;

  beforeAll(async () => {
    pki = await makeTestPki();
    plain = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, httpsPort: 0, tls: { cert: pki.server.cert, key: pki.server.key }, log: () => undefined });
    mtls = await startEcho({
      host: '127.0.0.1',
      httpPort: 0,
      h2cPort: null,
      httpsPort: 0,
      tls: { cert: pki.server.cert, key: pki.server.key, clientCAs: pki.ca.cert },
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await plain?.close();
    await mtls?.close();
  });

  const tlsOpts = (extra: tls.ConnectionOptions = {}): tls.ConnectionOptions => ({
    ca: pki.ca.cert,
    servername: 'abc.example.com',
    ALPNProtocols: ['http/1.1'],
    ...extra,
  });

  it('is started only with TLS material', async () => {
    const s = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, httpsPort: 0, log: () => undefined });
    expect(s.ports.https).toBeUndefined();
    await s.close();
  });

  it('reports the TLS connection, fields in upstream order, no peerCertificates without a client certificate', async () => {
    const res = await rawRequest(plain.ports.https!, GET, { tls: tlsOpts() });
    expect(res.status).toBe(200);
    const body = res.body.toString();
    const json = JSON.parse(body) as EchoJson;
    expect(json.httpPort).toBe(String(plain.ports.http));
    expect(json.tls).toEqual({
      version: 'TLSv1.3',
      serverName: 'abc.example.com',
      negotiatedProtocol: 'http/1.1',
      cipherSuite: expect.stringMatching(/^TLS_[A-Z0-9_]+$/) as unknown,
    });
    expect(body).toMatch(/\n "tls": \{\n  "version": "TLSv1\.3",\n  "serverName": "abc\.example\.com",\n  "negotiatedProtocol": "http\/1\.1",\n  "cipherSuite": "TLS_[A-Z0-9_]+"\n \}\n\}$/);
  });

  it('omits negotiatedProtocol without ALPN and reports TLS 1.2 as TLSv1.2', async () => {
    const res = await rawRequest(plain.ports.https!, GET, { tls: tlsOpts({ ALPNProtocols: [], maxVersion: 'TLSv1.2' }) });
    const json = JSON.parse(res.body.toString()) as EchoJson;
    expect(json.tls).toEqual({ version: 'TLSv1.2', serverName: 'abc.example.com', cipherSuite: expect.stringMatching(/^TLS_ECDHE_/) as unknown });
  });

  it('serves HTTP/2 when ALPN picks h2, through the same mux', async () => {
    const client = http2.connect(`https://127.0.0.1:${plain.ports.https}`, { ca: pki.ca.cert, servername: 'abc.example.com' });
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = client.request({ ':path': path });
        let body = '';
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
        req.end();
      });
    try {
      const echo = await get('/h2');
      const json = JSON.parse(echo.body) as EchoJson;
      expect(json.proto).toBe('HTTP/2.0');
      expect(json.tls?.negotiatedProtocol).toBe('h2');
      expect((await get('/status/418')).status).toBe(418);
      expect((await get('/health')).body).toBe('OK');
      // Upstream's WebSocket handler cannot hijack an HTTP/2 stream: the stream is reset.
      await expect(get('/ws')).rejects.toThrow(/NGHTTP2_INTERNAL_ERROR|stream|closed/i);
    } finally {
      client.close();
    }
  });

  it('serves the WebSocket echo over TLS (wss)', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${plain.ports.https}/ws`, { ca: pki.ca.cert, origin: 'https://o' });
    try {
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const reply = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
      ws.send('over tls');
      expect(await reply).toBe('over tls');
    } finally {
      ws.terminate();
    }
  });

  it('with client CAs: reports a verified client certificate chain as Go PEM (leaf only, trust anchor not added)', async () => {
    const res = await rawRequest(mtls.ports.https!, GET, { tls: tlsOpts({ cert: pki.client.cert, key: pki.client.key }) });
    const json = JSON.parse(res.body.toString()) as EchoJson;
    expect(json.tls?.peerCertificates).toEqual([pki.client.cert]);
    const b64 = pki.client.der.toString('base64');
    expect((json.tls?.peerCertificates as string[])[0]).toBe(
      `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
    );
  });

  it('with client CAs: a client without a certificate is served (certificates are optional)', async () => {
    const res = await rawRequest(mtls.ports.https!, GET, { tls: tlsOpts() });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body.toString()) as EchoJson).tls?.peerCertificates).toBeUndefined();
  });

  it('with client CAs: a certificate that does not verify is refused', async () => {
    const outcome = await rawRequest(mtls.ports.https!, GET, { tls: tlsOpts({ cert: pki.strangerClient.cert, key: pki.strangerClient.key }) }).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    // The handshake fails or the connection is closed before any response.
    expect(outcome === 0 || typeof outcome === 'string').toBe(true);
    expect(outcome).not.toBe(200);
  });

  it('resets the TCP connection under TLS for /retry without responseCode', async () => {
    const req = 'GET /retry/x?succeedAfter=1&uuid=tls-rst HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n';
    const err = await rawRequest(plain.ports.https!, req, { tls: tlsOpts() }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('ECONNRESET');
    expect((await rawRequest(plain.ports.https!, req, { tls: tlsOpts() })).status).toBe(200);
  });
});
