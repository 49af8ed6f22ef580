import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from './client-hello.js';

/** The real first bytes node:tls (OpenSSL) sends, captured by a plain TCP server. */
async function captureHello(servername: string | undefined): Promise<Buffer> {
  const server = net.createServer();
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (parseClientHello(all).status !== 'incomplete') {
          s.destroy();
          resolve(all);
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(servername !== undefined ? { servername } : {}) });
  client.on('error', () => undefined);
  const bytes = await got;
  client.destroy();
  server.close();
  return bytes;
}

/** Re-cuts a single-record ClientHello into records of `size` bytes of handshake data each. */
function refragment(hello: Buffer, size: number): Buffer {
  const msg = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const part = msg.subarray(i, Math.min(msg.length, i + size));
    const head = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    head.writeUInt16BE(part.length, 3);
    out.push(head, part);
  }
  return Buffer.concat(out);
}

describe('parseClientHello', () => {
  it('reads the SNI of a real ClientHello, lower-cased', async () => {
    const hello = await captureHello('Abc.Example.com');
    expect(parseClientHello(hello)).toEqual({ status: 'ok', serverName: 'abc.example.com' });
  });

  it('says incomplete for every strict prefix, whatever the cut', async () => {
    const hello = await captureHello('split.example.com');
    for (let n = 0; n < hello.length; n++) expect(parseClientHello(hello.subarray(0, n)).status).toBe('incomplete');
    expect(parseClientHello(hello)).toEqual({ status: 'ok', serverName: 'split.example.com' });
  });

  it('reassembles a ClientHello spread over several TLS records', async () => {
    const hello = await captureHello('records.example.com');
    const cut = refragment(hello, 37);
    expect(cut.length).toBeGreaterThan(hello.length);
    expect(parseClientHello(cut)).toEqual({ status: 'ok', serverName: 'records.example.com' });
    for (let n = 0; n < cut.length; n += 7) expect(parseClientHello(cut.subarray(0, n)).status).toBe('incomplete');
  });

  it('gives null when the client sends no SNI', async () => {
    const hello = await captureHello(undefined);
    expect(parseClientHello(hello)).toEqual({ status: 'ok', serverName: null });
  });

  it('refuses what is not a ClientHello', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'))).toMatchObject({ status: 'invalid' });
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0]))).toMatchObject({ status: 'invalid' });
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]))).toMatchObject({ status: 'invalid' });
  });

  it('refuses a ClientHello announcing more than the limit, without waiting for it', () => {
    const len = MAX_CLIENT_HELLO_BYTES + 1;
    const buf = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]);
    expect(parseClientHello(buf)).toEqual({ status: 'invalid', reason: 'ClientHello too large' });
  });

  it('refuses a server name that is not a host name, and truncated extensions', async () => {
    const hello = Buffer.from(await captureHello('ok.example.com'));
    const at = hello.indexOf(Buffer.from('ok.example.com'));
    hello[at] = 0x00;
    expect(parseClientHello(hello)).toMatchObject({ status: 'invalid', reason: 'server name is not a DNS host name' });
    // Claim a longer extensions block than the message holds.
    const bad = Buffer.from(await captureHello('ok.example.com'));
    const sidLen = bad[5 + 4 + 2 + 32]!;
    let p = 5 + 4 + 2 + 32 + 1 + sidLen;
    p += 2 + bad.readUInt16BE(p);
    p += 1 + bad[p]!;
    bad.writeUInt16BE(0xffff, p);
    expect(parseClientHello(bad)).toMatchObject({ status: 'invalid' });
  });
});
