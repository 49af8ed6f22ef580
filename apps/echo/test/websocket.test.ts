import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEcho, type EchoServer } from '../src/index.js';
import { rawRequest } from './support/raw-http.js';

interface Received {
  data: Buffer;
  isBinary: boolean;
}

function open(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<Received> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

describe('/ws WebSocket echo', () => {
  let server: EchoServer;
  let url: string;
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    url = `ws://127.0.0.1:${server.ports.http}/ws`;
  });
  afterAll(async () => server.close());

  it('echoes text and binary payloads byte for byte (as text frames, as upstream writes)', async () => {
    const ws = await open(url, 'ws://gateway/TestConformance');
    try {
      let reply = nextMessage(ws);
      ws.send('Websocket Support!');
      const text = await reply;
      expect(text.data.toString()).toBe('Websocket Support!');
      expect(text.isBinary).toBe(false);
      reply = nextMessage(ws);
      ws.send(Buffer.from([1, 2, 3, 4, 5, 6, 7]), { binary: true });
      const bin = await reply;
      expect([...bin.data]).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(bin.isBinary).toBe(false);
    } finally {
      ws.terminate();
    }
  });

  it('splits large payloads into frames of at most 32 KiB', async () => {
    const ws = await open(url, 'http://origin.example');
    try {
      const payload = Buffer.alloc(100_000, 'a');
      const got: Buffer[] = [];
      const all = new Promise<void>((resolve) => {
        ws.on('message', (d: Buffer) => {
          got.push(d);
          if (Buffer.concat(got).length >= payload.length) resolve();
        });
      });
      ws.send(payload);
      await all;
      expect(Buffer.concat(got).equals(payload)).toBe(true);
      expect(Math.max(...got.map((g) => g.length))).toBeLessThanOrEqual(32 * 1024);
    } finally {
      ws.terminate();
    }
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const ws = await open(url, 'http://origin.example');
    try {
      const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
      ws.ping(Buffer.from('hello'));
      expect((await pong).toString()).toBe('hello');
    } finally {
      ws.terminate();
    }
  });

  it('closes the TCP connection on a close frame', async () => {
    const ws = await open(url, 'http://origin.example');
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.close(1000);
    // No close frame comes back: the client sees the connection end (1006) or its own code.
    expect([1000, 1005, 1006]).toContain(await closed);
  });

  it('refuses a handshake without Origin (403), with a bad version (400), or a non-GET (405)', async () => {
    const base = 'Host: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const noOrigin = await rawRequest(server.ports.http!, `GET /ws HTTP/1.1\r\n${base}Sec-WebSocket-Version: 13\r\n\r\n`, { waitForClose: true });
    expect(noOrigin.raw.toString('latin1')).toBe('HTTP/1.1 403 Forbidden\r\n\r\n');
    const badVersion = await rawRequest(server.ports.http!, `GET /ws HTTP/1.1\r\n${base}Sec-WebSocket-Version: 12\r\nOrigin: http://o\r\n\r\n`, { waitForClose: true });
    expect(badVersion.raw.toString('latin1')).toBe(
      'HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\n\r\nmissing or bad WebSocket Version',
    );
    const post = await rawRequest(server.ports.http!, `POST /ws HTTP/1.1\r\n${base}Sec-WebSocket-Version: 13\r\nOrigin: http://o\r\n\r\n`, { waitForClose: true });
    expect(post.raw.toString('latin1')).toBe('HTTP/1.1 405 Method Not Allowed\r\n\r\nbad method');
  });

  it('answers the RFC 6455 accept key and echoes the single offered subprotocol', async () => {
    // The connection stays open afterwards (it is a WebSocket now): read the 101 head by hand.
    const head = await new Promise<string>((resolve, reject) => {
      const s = net.connect(server.ports.http!, '127.0.0.1', () =>
        s.write(
          'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\nOrigin: http://o\r\n\r\n',
        ),
      );
      s.once('error', reject);
      s.once('data', (d: Buffer) => {
        resolve(d.toString('latin1'));
        s.destroy();
      });
    });
    expect(head).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
    );
  });

  it('answers other paths with an Upgrade header with the echo, then closes', async () => {
    const res = await rawRequest(server.ports.http!, 'GET /other HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', { waitForClose: true });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body.toString()) as { path: string }).path).toBe('/other');
  });
});
