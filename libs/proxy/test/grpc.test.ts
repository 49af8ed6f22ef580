import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort } from './support/backends.js';
import { gateway, httpListener, rule, vhost } from './support/config.js';

const GW = '127.0.40.1';
const BE = '127.0.40.2';

/** gRPC length-prefixed message framing. */
function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** A plain HTTP/2 server speaking the gRPC wire format: echoes each message as it arrives. */
function startGrpcEcho(): Promise<http2.Http2Server> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-path': String(headers[':path']) }));
    let buf = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        const len = buf.readUInt32BE(1);
        const msg = buf.subarray(5, 5 + len).toString();
        buf = buf.subarray(5 + len);
        stream.write(frame(`echo:${msg}`));
      }
    });
    stream.on('end', () => stream.end());
  });
  return new Promise((resolve) => server.listen(0, BE, () => resolve(server)));
}

describe('gRPC over the proxy', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  let backend: http2.Http2Server;
  let port: number;

  beforeAll(async () => {
    backend = await startGrpcEcho();
    port = await freePort(GW);
    const cfg = gateway(
      'grpc',
      GW,
      [{ port, listeners: [httpListener('test/grpc/h2c', [vhost('*', [rule([{ backend: 'echo', weight: 1 }], { grpc: true })])])] }],
      [{ id: 'echo', protocol: 'H2C', endpoints: [{ address: BE, port: (backend.address() as AddressInfo).port, ready: true }] }],
    );
    expect((await proxy.apply([cfg])).gateways['test/grpc']!.ok).toBe(true);
  });

  afterAll(async () => {
    await proxy.close();
    backend.close();
  });

  it('streams both ways: each message is answered before the next is sent, then trailers arrive', async () => {
    const session = http2.connect(`http://${GW}:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': '/echo.Echo/Chat', 'content-type': 'application/grpc', te: 'trailers' });
    const replies: string[] = [];
    let pending: ((s: string) => void) | null = null;
    let buf = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        const len = buf.readUInt32BE(1);
        const msg = buf.subarray(5, 5 + len).toString();
        buf = buf.subarray(5 + len);
        replies.push(msg);
        pending?.(msg);
      }
    });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    const next = () => new Promise<string>((resolve) => (pending = resolve));
    for (const word of ['one', 'two', 'three']) {
      const reply = next();
      stream.write(frame(word));
      expect(await reply).toBe(`echo:${word}`);
    }
    stream.end();
    const t = await trailers;
    session.close();
    expect(t['grpc-status']).toBe('0');
    expect(t['x-path']).toBe('/echo.Echo/Chat');
    expect(replies).toEqual(['echo:one', 'echo:two', 'echo:three']);
  });
});
