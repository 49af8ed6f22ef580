/**
 * Listeners apart: on an HTTP port, a request whose Host selects a listener is routed only by the
 * routes of that listener (never by those of a less specific listener on the same port); and
 * client certificate validation is per port: each HTTPS port checks clients against its own CA
 * bundle (or not at all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listener } from '@portway/ir';
import { Proxy } from '../src/index.js';
import { freePort, startBackend, type TestBackend } from './support/backends.js';
import { makeCa, makeLeaf, type Issued } from './support/certs.js';
import { get, getTls } from './support/client.js';
import { backendOf, gateway, httpListener, prefix, rule, vhost } from './support/config.js';

const GW = '127.0.55.1';
const BE = '127.0.55.2';

describe('HTTP listener isolation and per-port client certificate validation', () => {
  const proxy = new Proxy({ drainTimeoutMs: 200 });
  let wild: TestBackend;
  let foo: TestBackend;
  let ca: Issued;
  let caOne: Issued;
  let caTwo: Issued;
  let clientOne: Issued;
  let clientTwo: Issued;
  let httpPort: number;
  const tlsPorts: number[] = [];

  const https = (name: string, server: Issued, clientCa?: Issued): Listener => ({
    name,
    protocol: 'HTTPS',
    tls: {
      certificates: [{ certificate: server.cert, privateKey: server.key }],
      ...(clientCa ? { clientValidation: { caCertificates: [clientCa.cert], mode: 'AllowValidOnly' as const } } : {}),
    },
    virtualHosts: [vhost('*', [rule([{ backend: 'foo', weight: 1 }])])],
  });

  beforeAll(async () => {
    [wild, foo] = await Promise.all([startBackend({ id: 'wild', address: BE }), startBackend({ id: 'foo', address: BE })]);
    ca = await makeCa();
    [caOne, caTwo] = await Promise.all([makeCa('Client CA one'), makeCa('Client CA two')]);
    [clientOne, clientTwo] = await Promise.all([makeLeaf(caOne, { cn: 'one', client: true }), makeLeaf(caTwo, { cn: 'two', client: true })]);
    const server = await makeLeaf(ca, { dns: ['app.example.com'] });
    httpPort = await freePort(GW);
    for (let i = 0; i < 3; i++) tlsPorts.push(await freePort(GW));
    const cfg = gateway(
      'isolation',
      GW,
      [
        {
          port: httpPort,
          listeners: [
            // Most specific first, as the translator orders them.
            httpListener('test/isolation/foo', [vhost('foo.example.com', [rule([{ backend: 'foo', weight: 1 }])], [prefix('/only-foo', 0)])], 'foo.example.com'),
            httpListener('test/isolation/wild', [vhost('*.example.com', [rule([{ backend: 'wild', weight: 1 }])])], '*.example.com'),
          ],
        },
        { port: tlsPorts[0]!, listeners: [https('test/isolation/ca-one', server, caOne)] },
        { port: tlsPorts[1]!, listeners: [https('test/isolation/ca-two', server, caTwo)] },
        { port: tlsPorts[2]!, listeners: [https('test/isolation/open', server)] },
      ],
      [backendOf('wild', [wild]), backendOf('foo', [foo])],
    );
    expect((await proxy.apply([cfg])).gateways['test/isolation']!.errors).toEqual([]);
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([wild.close(), foo.close()]);
  });

  it('routes a request only by the routes of the listener its Host selects', async () => {
    const at = async (host: string, path: string) => {
      const r = await get(GW, httpPort, { host, path });
      return r.status === 200 ? r.json<{ id: string }>().id : r.status;
    };
    expect(await at('foo.example.com', '/only-foo')).toBe('foo');
    // foo.example.com selects the foo listener: the wildcard listener's catch-all route does not apply.
    expect(await at('foo.example.com', '/')).toBe(404);
    expect(await at('foo.example.com', '/other')).toBe(404);
    expect(await at('bar.example.com', '/only-foo')).toBe('wild');
    expect(await at('bar.example.com', '/')).toBe('wild');
    expect(await at('example.org', '/')).toBe(404);
  });

  it('checks client certificates against the CA bundle of each port', async () => {
    const call = (port: number, client?: Issued) =>
      getTls(GW, port, { servername: 'app.example.com', ca: ca.cert, ...(client ? { cert: client.cert, key: client.key } : {}) }).then(
        (r) => r.status,
        () => 'refused',
      );
    const [one, two, open] = tlsPorts as [number, number, number];
    expect(await call(one, clientOne)).toBe(200);
    expect(await call(one, clientTwo)).toBe('refused');
    expect(await call(one)).toBe('refused');
    expect(await call(two, clientTwo)).toBe(200);
    expect(await call(two, clientOne)).toBe('refused');
    expect(await call(two)).toBe('refused');
    expect(await call(open)).toBe(200);
    expect(await call(open, clientOne)).toBe(200);
  });
});
