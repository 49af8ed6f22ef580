import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '../src/index.js';
import { h2cUpgradeExchange } from './support/h2-frames.js';
import { header, rawRequest } from './support/raw-http.js';

const exec = promisify(execFile);

interface EchoJson {
  path: string;
  host: string;
  method: string;
  proto: string;
  headers: Record<string, string[]>;
  httpPort: string;
  pod: string;
}

function h2Request(port: number, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', reject);
    const req = client.request(headers);
    let body = '';
    let resHeaders: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (resHeaders = h));
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      client.close();
      resolve({ status: Number(resHeaders[':status']), headers: resHeaders, body });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('h2c listener', () => {
  let server: EchoServer;
  const logs: string[] = [];
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: 0, podName: 'infra-backend-v1-x-y', log: (l) => logs.push(l) });
  });
  afterAll(async () => server.close());

  it('echoes HTTP/2 with prior knowledge: proto HTTP/2.0, :authority as host, canonical headers, merged cookies', async () => {
    const res = await h2Request(server.ports.h2c!, {
      ':path': '/pk?a=1',
      'x-multi': ['1', '2'],
      cookie: ['a=1', 'b=2'],
      'x-echo-set-header': 'X-Resp:v',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-resp']).toBe('v');
    const json = JSON.parse(res.body) as EchoJson;
    expect(json.proto).toBe('HTTP/2.0');
    expect(json.path).toBe('/pk?a=1');
    expect(json.host).toBe(`127.0.0.1:${server.ports.h2c}`);
    expect(json.headers['X-Multi']).toEqual(['1', '2']);
    expect(json.headers.Cookie).toEqual(['a=1; b=2']);
    expect(json.httpPort).toBe(String(server.ports.http));
    expect(logs).toContain(`Starting server, listening on port ${server.ports.h2c} (h2c)`);
  });

  it('has no mux: /status/500 is echoed', async () => {
    const res = await h2Request(server.ports.h2c!, { ':path': '/status/500' });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as EchoJson).path).toBe('/status/500');
  });

  it('answers plain HTTP/1.1 with 400 Expected h2c request', async () => {
    const res = await rawRequest(server.ports.h2c!, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body.toString()).toBe('Expected h2c request');
    expect(header(res, 'Content-Type')).toBe('text/plain; charset=utf-8');
  });

  it('echoes over HTTP/1.1 a request with Upgrade: h2c that is not a complete upgrade request', async () => {
    const res = await rawRequest(server.ports.h2c!, 'GET /half HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    const json = JSON.parse(res.body.toString()) as EchoJson;
    expect(json.proto).toBe('HTTP/1.1');
    expect(json.headers.Upgrade).toEqual(['h2c']);
  });

  it('upgrades HTTP/1.1 with Upgrade: h2c: 101, then the answer on stream 1 (the request shows as HTTP/1.1)', async () => {
    const { head, frames } = await h2cUpgradeExchange(
      server.ports.h2c!,
      'GET /up?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
        'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nX-Echo-Set-Header: A:b\r\n\r\n',
    );
    expect(head).toBe('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    const headersFrame = frames.find((f) => f.type === 0x1 && f.streamId === 1);
    // HPACK static table index 8 is ":status: 200".
    expect(headersFrame?.payload[0]).toBe(0x88);
    const data = Buffer.concat(frames.filter((f) => f.type === 0x0 && f.streamId === 1).map((f) => f.payload)).toString();
    const json = JSON.parse(data) as EchoJson;
    expect(json.path).toBe('/up?x=1');
    expect(json.host).toBe('example.com');
    expect(json.proto).toBe('HTTP/1.1');
    expect(json.headers).toMatchObject({
      Connection: ['Upgrade, HTTP2-Settings'],
      Upgrade: ['h2c'],
      'Http2-Settings': ['AAMAAABkAAQCAAAAAAIAAAAA'],
    });
    expect(logs.some((l) => l.startsWith('Echoing back request made to /up?x=1 to client (127.0.0.1:'))).toBe(true);
  });

  it('answers 500 to an upgrade request with a malformed HTTP2-Settings', async () => {
    const res = await rawRequest(
      server.ports.h2c!,
      'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: not base64!\r\n\r\n',
    );
    expect(res.status).toBe(500);
  });

  it.skipIf(!existsSync('/usr/bin/curl'))('serves curl --http2 (upgrade, then a second request as HTTP/2 on the same connection)', async () => {
    const base = `http://127.0.0.1:${server.ports.h2c}`;
    const { stdout } = await exec('curl', ['-s', '--http2', `${base}/first`, `${base}/second`], { timeout: 10_000 });
    const bodies = stdout.split(/(?<=\n\})(?=\{)/).map((b) => JSON.parse(b) as EchoJson);
    expect(bodies.map((b) => [b.path, b.proto])).toEqual([
      ['/first', 'HTTP/1.1'],
      ['/second', 'HTTP/2.0'],
    ]);
  });

  it('is not started with h2cPort: null', async () => {
    const s = await startEcho({ host: '127.0.0.1', httpPort: 0, h2cPort: null, log: () => undefined });
    expect(Object.keys(s.ports)).toEqual(['http']);
    await s.close();
  });
});
