import dgram from 'node:dgram';
import dnsPacket, { type Packet } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '../src/index.js';

const RD = 0x0100;
const AA = 0x0400;

/** Sends a query from a socket of our own (to know its port) and reads one answer or times out. */
function query(port: number, packet: Buffer, timeoutMs = 1500): Promise<{ reply: Buffer | undefined; clientPort: number }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const clientPort = socket.address().port;
      const timer = setTimeout(() => {
        socket.close();
        resolve({ reply: undefined, clientPort });
      }, timeoutMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        socket.close();
        resolve({ reply: msg, clientPort });
      });
      socket.send(packet, port, '127.0.0.1');
    });
  });
}

function aQuery(name: string, id = 4242, extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: RD, questions: [{ type: 'A', name, class: 'IN' }], ...extra });
}

describe('DNS mode (the suite CoreDNS stand-in)', () => {
  let server: EchoServer;
  const logs: string[] = [];
  beforeAll(async () => {
    server = await startEcho({ host: '127.0.0.1', mode: 'dns', udpPort: 0, log: (l) => logs.push(l) });
  });
  afterAll(async () => server.close());

  it('answers foo.bar.com. with whoami: authoritative, the client address and port in the additional section', async () => {
    const { reply, clientPort } = await query(server.ports.udp!, aQuery('foo.bar.com'));
    expect(reply).toBeDefined();
    const res = dnsPacket.decode(reply!);
    expect(res.id).toBe(4242);
    expect(res.type).toBe('response');
    expect(res.flags! & (AA | RD)).toBe(AA | RD);
    expect((res as { rcode?: string }).rcode).toBe('NOERROR');
    expect(res.questions).toEqual([{ name: 'foo.bar.com', type: 'A', class: 'IN' }]);
    expect(res.answers).toEqual([]);
    expect(res.additionals).toEqual([
      { name: 'foo.bar.com', type: 'A', ttl: 0, class: 'IN', flush: false, data: '127.0.0.1' },
      { name: '_udp.foo.bar.com', type: 'SRV', ttl: 0, class: 'IN', flush: false, data: { priority: 0, weight: 0, port: clientPort, target: '.' } },
    ]);
  });

  it('answers names below the zone and any query type, lower-casing the name', async () => {
    const packet = dnsPacket.encode({ type: 'query', id: 7, flags: RD, questions: [{ type: 'TXT', name: 'X.Foo.Bar.Com', class: 'IN' }] });
    const res = dnsPacket.decode((await query(server.ports.udp!, packet)).reply!);
    expect(res.additionals?.map((a) => [a.name, a.type])).toEqual([
      ['x.foo.bar.com', 'A'],
      ['_udp.x.foo.bar.com', 'SRV'],
    ]);
  });

  it('answers SERVFAIL for names it would forward, and logs them as the log plugin does', async () => {
    const res = dnsPacket.decode((await query(server.ports.udp!, aQuery('example.com', 99))).reply!);
    expect((res as { rcode?: string }).rcode).toBe('SERVFAIL');
    expect(res.questions?.[0]?.name).toBe('example.com');
    expect(logs.some((l) => /^\[INFO\] 127\.0\.0\.1:\d+ - 99 "A IN example\.com\. udp \d+ false 512" SERVFAIL qr,rd \d+ [\d.e-]+s$/.test(l))).toBe(true);
  });

  it('mirrors EDNS0 back', async () => {
    const packet = aQuery('foo.bar.com', 5, {
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0x8000, flag_do: true, options: [] }],
    });
    const res = dnsPacket.decode((await query(server.ports.udp!, packet)).reply!);
    const opt = res.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize: number; flag_do: boolean } | undefined;
    expect(opt).toMatchObject({ udpPayloadSize: 1232, flag_do: true });
  });

  it('drops garbage and responses; answers FORMERR without exactly one question', async () => {
    expect((await query(server.ports.udp!, Buffer.from([1, 2, 3]), 300)).reply).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'foo.bar.com' }] });
    expect((await query(server.ports.udp!, response, 300)).reply).toBeUndefined();
    const noQuestion = dnsPacket.encode({ type: 'query', id: 3, flags: RD, questions: [] });
    const res = dnsPacket.decode((await query(server.ports.udp!, noQuestion)).reply!);
    expect(res.id).toBe(3);
    expect((res as { rcode?: string }).rcode).toBe('FORMERR');
  });
});
