import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proxy } from '../src/index.js';
import { freePort } from './support/backends.js';
import { gateway } from './support/config.js';
import { startTcpEcho, type L4Backend } from './support/l4-backends.js';
import { echo, tcpGreeting } from './support/l4-client.js';
import { l4Backend, l4Route, passthrough, tcpListener } from './support/l4-config.js';

const GW = '127.0.44.1';
const BE = '127.0.44.2';

function closeAfter(s: net.Socket): Promise<number> {
  const start = Date.now();
  return new Promise((resolve) => s.once('close', () => resolve(Date.now() - start)));
}

describe('L4 time limits', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200, l4: { tcpIdleMs: 250, clientHelloTimeoutMs: 250 } });
  let v1: L4Backend;
  let tcpPort: number;
  let tlsPort: number;

  beforeAll(async () => {
    v1 = await startTcpEcho('v1', BE);
    [tcpPort, tlsPort] = await Promise.all([freePort(GW), freePort(GW)]);
    await proxy.apply([
      gateway(
        'limits',
        GW,
        [
          { port: tcpPort, listeners: [tcpListener('test/limits/tcp', [l4Route('TCPRoute', [], [{ backend: 'v1', weight: 1 }])])] },
          { port: tlsPort, listeners: [passthrough('test/limits/tls', undefined, [l4Route('TLSRoute', [], [{ backend: 'v1', weight: 1 }])])] },
        ],
        [l4Backend('v1', [v1])],
      ),
    ]);
  });
  afterAll(async () => {
    await proxy.close();
    await v1.close();
  });

  it('closes an idle TCP connection after the idle timeout, not an active one', async () => {
    const idle = await tcpGreeting(GW, tcpPort);
    const active = await tcpGreeting(GW, tcpPort);
    const idleClosed = closeAfter(idle.socket);
    let activeClosed = false;
    active.socket.once('close', () => (activeClosed = true));
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await echo(active.socket, `tick-${i}`)).toBe(`tick-${i}`);
    }
    expect(await idleClosed).toBeLessThan(1000);
    expect(activeClosed).toBe(false);
    active.socket.destroy();
  });

  it('closes a connection whose ClientHello does not complete in time', async () => {
    const s = net.connect({ host: GW, port: tlsPort });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('connect', () => r()));
    // A record header announcing more bytes than ever come.
    s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    const elapsed = await closeAfter(s);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    expect(v1.served).toBe(2);
  });

  it('refuses invalid limits with a clear error', () => {
    expect(() => new Proxy({ l4: { udpIdleMs: 0 } })).toThrow(/l4\.udpIdleMs must be a positive number/);
  });
});
