import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '../src/index.js';
import { makeTestPki, type TestPki } from './support/certs.js';
import { connectLines } from './support/line-client.js';
import { rawRequest } from './support/raw-http.js';

/** Sends bytes, waits for the server to answer or close (bounded), then closes. */
function poke(port: number, data: Buffer | string, opts: { abortAfterMs?: number } = {}): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, opts.abortAfterMs ?? 300);
    s.on('error', done);
    s.on('close', done);
    s.resume();
  });
}

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

describe('malformed input never takes a server down', () => {
  let pki: TestPki;
  let http: EchoServer;
  let grpcServer: EchoServer;
  let tcp: EchoServer;
  beforeAll(async () => {
    pki = await makeTestPki();
    const tlsMaterial = { cert: pki.server.cert, key: pki.server.key };
    http = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: 0, httpsPort: 0, tls: tlsMaterial, log: () => undefined });
    grpcServer = await startEcho({ host: '127.0.0.1', mode: 'grpc', httpPort: 0, httpsPort: 0, tls: tlsMaterial, log: () => undefined });
    tcp = await startEcho({ host: '127.0.0.1', mode: 'tcp', tcpPort: 0, tlsPort: 0, tls: tlsMaterial, log: () => undefined });
  });
  afterAll(async () => {
    await http?.close();
    await grpcServer?.close();
    await tcp?.close();
  });

  it('HTTP, h2c and HTTPS listeners survive garbage, cut requests, bad frames and bad handshakes', async () => {
    const { http: hp, h2c, https } = http.ports as Record<string, number>;
    const junk = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131) % 256));
    await poke(hp!, junk);
    await poke(hp!, 'GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc');
    await poke(hp!, 'GET /x?delay=10s HTTP/1.1\r\nHost: h\r\n\r\n', { abortAfterMs: 50 });
    await poke(hp!, 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\nOrigin: http://o\r\n\r\n' + junk.toString('latin1'));
    await poke(h2c!, junk);
    await poke(h2c!, Buffer.concat([Buffer.from(PREFACE), junk]));
    await poke(h2c!, PREFACE.slice(0, 10));
    await poke(h2c!, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n' + junk.toString('latin1'));
    await poke(https!, junk);
    await poke(https!, 'GET / HTTP/1.1\r\n\r\n');
    const h1 = await rawRequest(hp!, 'GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(h1.status).toBe(200);
    const h2cPlain = await rawRequest(h2c!, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(h2cPlain.status).toBe(400);
    const secure = await rawRequest(https!, 'GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', {
      tls: { ca: pki.ca.cert, servername: 'localhost' },
    });
    expect(secure.status).toBe(200);
  });

  it('gRPC listeners survive garbage', async () => {
    const { grpc: gp, grpcTls } = grpcServer.ports as Record<string, number>;
    await poke(gp!, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await poke(gp!, Buffer.concat([Buffer.from(PREFACE), Buffer.alloc(64, 0xff)]));
    await poke(grpcTls!, Buffer.alloc(64, 0x16));
    const s = tls.connect({ port: grpcTls!, host: '127.0.0.1', ca: pki.ca.cert, servername: 'localhost', ALPNProtocols: ['h2'] });
    await new Promise<void>((resolve) => s.once('secureConnect', () => resolve()));
    s.write('not http2');
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    const alive = await new Promise<boolean>((resolve) => {
      const c = net.connect(gp!, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    expect(alive).toBe(true);
  });

  it('TCP mode closes on an over-long line and keeps serving', async () => {
    const c = await connectLines(tcp.ports.tcp!);
    await c.readLine();
    c.send('x'.repeat(70 * 1024));
    await new Promise((r) => c.socket.once('close', r));
    await poke(tcp.ports.tls!, Buffer.alloc(100, 0x41));
    const d = await connectLines(tcp.ports.tcp!);
    expect(await d.readLine()).toBe('Gateway API Test TCP Server\n');
    d.send('PING\n');
    expect(await d.readLine()).toBe('PONG\n');
    d.close();
  });
});
