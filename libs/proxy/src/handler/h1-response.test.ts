/**
 * HTTP/1.1 backend responses on their way to the client: the head as the backend's field
 * lines (repeated fields kept, hop-by-hop ones dropped), bodies of declared length ended in one
 * write or streamed, chunked bodies with trailers, large bodies under backpressure, and
 * response filters on the same path. The backend is a raw TCP server, so the exact bytes it
 * answers with are the test's.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../index.js';
import { freePort } from '../../test/support/backends.js';
import { gateway, httpListener, prefix, rule, vhost } from '../../test/support/config.js';

const GW = '127.0.61.1';
const BE = '127.0.61.2';

/** Answers each request (read up to the blank line; no request bodies here) with `answer(path)`. */
async function rawBackend(answer: (path: string, socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        answer(head.split(' ')[1] ?? '/', socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, BE, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Got {
  status: number;
  rawHeaders: string[];
  headers: http.IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  body: Buffer;
}

/** One request on a keep-alive agent, reading the body slowly when `slow` (backpressure). */
function fetchRaw(port: number, path: string, agent: http.Agent, slow = false): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: GW, port, path, agent, headers: { te: 'trailers' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (slow) {
          res.pause();
          setTimeout(() => res.resume(), 1);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('HTTP/1.1 backend responses', () => {
  const proxy = new Proxy({ drainTimeoutMs: 500 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const big = Buffer.alloc(8 * 1024 * 1024, 'abcdefgh');
  let backend: Awaited<ReturnType<typeof rawBackend>>;
  let port: number;
  /** Resolves when the backend connection of a '/hang' request closes. */
  let hangClosed: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    backend = await rawBackend((path, socket) => {
      if (path === '/head') {
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nX-Multi: one\r\nSet-Cookie: b=2\r\nX-Multi: two\r\n' +
            'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nContent-Length: 5\r\n\r\nhello',
        );
      } else if (path === '/split') {
        // A body of declared length in three writes: streamed, then ended by its last bytes.
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nfour');
        setTimeout(() => socket.write('five'), 20);
        setTimeout(() => socket.write('six!'), 40);
      } else if (path === '/chunked') {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n3\r\nabc\r\n');
        setTimeout(() => socket.write('2\r\nde\r\n0\r\nX-Checksum: 42\r\n\r\n'), 20);
      } else if (path === '/big') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
        socket.write(big);
      } else if (path === '/hang') {
        // Part of a body, then nothing: only the proxy aborting the try closes this connection.
        hangClosed = new Promise((resolve) => socket.once('close', () => resolve()));
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
      } else if (path === '/empty') {
        socket.write('HTTP/1.1 204 No Content\r\nX-Empty: yes\r\n\r\n');
      } else {
        socket.write('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Up: 1\r\nContent-Length: 2\r\n\r\nok');
      }
    });
    port = await freePort(GW);
    const plain = rule([{ backend: 'raw', weight: 1 }]);
    const filtered = rule([{ backend: 'raw', weight: 1 }], {
      filters: [{ type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'X-Up', value: 'set' }], add: [{ name: 'Set-Cookie', value: 'c=3' }] } }],
    });
    const config = gateway(
      'h1-response',
      GW,
      [{ port, listeners: [httpListener('test/h1-response/http', [vhost('*', [plain, filtered], [prefix('/filtered', 1), prefix('/', 0)])])] }],
      [{ id: 'raw', protocol: 'HTTP1', endpoints: [{ address: BE, port: backend.port, ready: true }] }],
    );
    expect((await proxy.apply([config])).gateways['test/h1-response']!.errors).toEqual([]);
  });

  afterAll(async () => {
    agent.destroy();
    await proxy.close();
    await backend.close();
  });

  it('forwards the head as the backend sent it: repeated fields in order, hop-by-hop fields dropped', async () => {
    const r = await fetchRaw(port, '/head', agent);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello');
    const pairs: [string, string][] = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) pairs.push([r.rawHeaders[i]!, r.rawHeaders[i + 1]!]);
    const names = pairs.map(([n]) => n.toLowerCase());
    expect(names).not.toContain('proxy-authenticate');
    // The backend's Connection and Keep-Alive are not forwarded: those present are the proxy's own.
    expect(pairs.filter(([n]) => n.toLowerCase() === 'keep-alive').map(([, v]) => v)).not.toContain('timeout=5');
    expect(names.filter((n) => n === 'connection')).toHaveLength(1);
    expect(pairs.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    expect(pairs.filter(([n]) => n === 'X-Multi').map(([, v]) => v)).toEqual(['one', 'two']);
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['content-length']).toBe('5');
  });

  it('streams a body of declared length that arrives in pieces, and ends it with its last bytes', async () => {
    const r = await fetchRaw(port, '/split', agent);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('fourfivesix!');
    expect(r.headers['content-length']).toBe('12');
    // The connection is still usable afterwards.
    expect((await fetchRaw(port, '/head', agent)).body.toString()).toBe('hello');
  });

  it('passes chunked bodies and their trailers', async () => {
    const r = await fetchRaw(port, '/chunked', agent);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('abcde');
    expect(r.trailers['x-checksum']).toBe('42');
  });

  it('delivers a large body whole to a client that reads slowly (backpressure)', async () => {
    const r = await fetchRaw(port, '/big', agent, true);
    expect(r.body.length).toBe(big.length);
    expect(r.body.equals(big)).toBe(true);
  });

  it('aborts the backend request when the client goes away mid-response', async () => {
    const firstBytes = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: GW, port, path: '/hang', agent: false }, (res) => {
        res.once('data', (c: Buffer) => {
          resolve(c.toString());
          req.destroy();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no response bytes within 5 s')), 5000).unref();
    });
    expect(firstBytes).toBe('part');
    const closed = await Promise.race([hangClosed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    expect(closed).toBe(true);
  });

  it('answers a response without body', async () => {
    const r = await fetchRaw(port, '/empty', agent);
    expect(r.status).toBe(204);
    expect(r.headers['x-empty']).toBe('yes');
    expect(r.body.length).toBe(0);
  });

  it('applies response filters to the same field lines (set replaces, add keeps Set-Cookie a list)', async () => {
    const r = await fetchRaw(port, '/filtered', agent);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('ok');
    expect(r.headers['x-up']).toBe('set');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
  });
});
