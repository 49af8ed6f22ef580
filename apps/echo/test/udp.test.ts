import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEcho, type EchoServer } from '../src/index.js';

function exchange(port: number, payload: Buffer | string, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no datagram within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(payload, port, '127.0.0.1');
  });
}

describe('UDP mode', () => {
  let server: EchoServer;
  const logs: string[] = [];
  beforeAll(async () => {
    server = await startEcho({
      host: '127.0.0.1',
      mode: 'udp',
      udpPort: 0,
      podName: 'udp-backend-v1-a-b',
      namespace: 'gateway-conformance-infra',
      serviceName: 'udp-echo-by-port',
      log: (l) => logs.push(l),
    });
  });
  afterAll(async () => server.close());

  it('answers every datagram with the JSON envelope, byte for byte', async () => {
    const reply = await exchange(server.ports.udp!, 'gateway-api-conformance-udp-echo');
    expect(reply.toString()).toBe(
      '{"request":"gateway-api-conformance-udp-echo","namespace":"gateway-conformance-infra","ingress":"",' +
        '"service":"udp-echo-by-port","pod":"udp-backend-v1-a-b"}',
    );
    expect(logs[0]).toBe(
      `UDP server listening on :${server.ports.udp} with context: {Namespace:gateway-conformance-infra Ingress: Service:udp-echo-by-port Pod:udp-backend-v1-a-b}`,
    );
    expect(logs.some((l) => /^Received UDP gateway-api-conformance-udp-echo from 127\.0\.0\.1:\d+$/.test(l))).toBe(true);
  });

  it('escapes the payload as Go JSON does and reads at most 1024 bytes', async () => {
    const odd = await exchange(server.ports.udp!, Buffer.concat([Buffer.from('<a&b>"\n'), Buffer.from([0xff])]));
    expect(odd.toString().startsWith('{"request":"\\u003ca\\u0026b\\u003e\\"\\n\\ufffd",')).toBe(true);
    const long = await exchange(server.ports.udp!, Buffer.alloc(1500, 'x'));
    const json = JSON.parse(long.toString()) as { request: string };
    expect(json.request.length).toBe(1024);
  });
});
