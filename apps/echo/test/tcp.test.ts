import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '../src/index.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { connectLines } from './support/line-client.js';

describe('TCP mode', () => {
  let pki: TestPki;
  let server: EchoServer;

  beforeAll(async () => {
    pki = await makeTestPki();
    server = await startEcho({
      host: '127.0.0.1',
      mode: 'tcp',
      tcpPort: 0,
      tlsPort: 0,
      tls: { cert: pki.server.cert, key: pki.server.key },
      podName: 'tcp-backend-5d9c-x',
      namespace: 'gateway-conformance-infra',
      serviceName: 'tcp-backend',
      log: () => undefined,
    });
  });
  afterAll(async () => server?.close());

  it('greets, answers PING, IS_TLS and TEST (exact JSON line), ignores other lines, accepts CRLF', async () => {
    const c = await connectLines(server.ports.tcp!);
    try {
      expect(await c.readLine()).toBe('Gateway API Test TCP Server\n');
      c.send('HELLO\nPING\n');
      expect(await c.readLine()).toBe('PONG\n');
      c.send('IS_TLS\r\n');
      expect(await c.readLine()).toBe('false\n');
      c.send('TEST\n');
      expect(await c.readLine()).toBe(
        `{"namespace":"gateway-conformance-infra","ingress":"","service":"tcp-backend","pod":"tcp-backend-5d9c-x",` +
          `"tcpport":"${server.ports.tcp}","tlsport":"${server.ports.tls}","isTLS":false}\n`,
      );
    } finally {
      c.close();
    }
  });

  it('answers a last line without newline at end of input, then closes', async () => {
    const c = await connectLines(server.ports.tcp!);
    await c.readLine();
    c.socket.end('PING');
    expect(await c.readLine()).toBe('PONG\n');
    await new Promise((r) => c.socket.once('close', r));
  });

  it('over TLS: IS_TLS is true and TEST carries the TLS assertions (Go names)', async () => {
    const c = await connectLines(server.ports.tls!, { ca: pki.ca.cert, servername: 'abc.example.com' });
    try {
      expect(await c.readLine()).toBe('Gateway API Test TCP Server\n');
      c.send('IS_TLS\n');
      expect(await c.readLine()).toBe('true\n');
      c.send('TEST\n');
      const json = JSON.parse(await c.readLine()) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(['namespace', 'ingress', 'service', 'pod', 'tcpport', 'tlsport', 'isTLS', 'tls']);
      expect(json.isTLS).toBe(true);
      expect(json.tls).toEqual({
        version: 'TLS 1.3',
        serverName: 'abc.example.com',
        curves: 'X25519',
        cipherSuite: expect.stringMatching(/^TLS_/) as unknown,
      });
    } finally {
      c.close();
    }
  });

  it('over TLS 1.2 with a P-256 key exchange reports both as Go names them', async () => {
    const c = await connectLines(server.ports.tls!, { ca: pki.ca.cert, servername: 'abc.example.com', maxVersion: 'TLSv1.2', ecdhCurve: 'prime256v1' });
    try {
      await c.readLine();
      c.send('TEST\n');
      const json = JSON.parse(await c.readLine()) as { tls: Record<string, string> };
      expect(json.tls.version).toBe('TLS 1.2');
      expect(json.tls.curves).toBe('CurveP256');
      expect(json.tls.cipherSuite).toMatch(/^TLS_ECDHE_ECDSA_WITH_/);
    } finally {
      c.close();
    }
  });

  it('without TLS material binds only the plain listener and still reports the configured TLS port', async () => {
    const s = await startEcho({ host: '127.0.0.1', mode: 'tcp', tcpPort: 0, tlsPort: 8443, log: () => undefined });
    try {
      expect(Object.keys(s.ports)).toEqual(['tcp']);
      const c = await connectLines(s.ports.tcp!);
      await c.readLine();
      c.send('TEST\n');
      expect(JSON.parse(await c.readLine())).toMatchObject({ tcpport: String(s.ports.tcp), tlsport: '8443', isTLS: false });
      c.close();
    } finally {
      await s.close();
    }
  });
});
