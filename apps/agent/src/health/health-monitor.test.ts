import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '@portway/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthMonitor, type EndpointHealth, type EndpointHealthUpdate } from './health-monitor.js';

const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function backend(): Promise<{ port: number; setUp(up: boolean): void }> {
  let up = true;
  const server = http.createServer((_req, res) => {
    res.statusCode = up ? 200 : 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { port: (server.address() as AddressInfo).port, setUp: (u) => (up = u) };
}

function config(endpoints: { port: number; cluster: string }[], active = true): GatewayConfig {
  return {
    apiVersion: 'portway.dev/ir/v1',
    gateway: { namespace: 'ns', name: 'gw', generation: 1 },
    cluster: 'east',
    addresses: [],
    ports: [],
    backends: {
      'ServiceImport/ns/echo:80': {
        id: 'ServiceImport/ns/echo:80',
        protocol: 'HTTP1',
        endpoints: endpoints.map((e) => ({ address: '127.0.0.1', port: e.port, cluster: e.cluster, ready: true })),
        ...(active ? { healthCheck: { active: { type: 'HTTP', path: '/', intervalMs: 20, timeoutMs: 200, healthyThreshold: 1, unhealthyThreshold: 1 } } } : {}),
      },
    },
  } as unknown as GatewayConfig;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HealthMonitor', () => {
  it('checks each endpoint once, pushes changes to the sink, and tells local listeners about local endpoints only', async () => {
    const east = await backend();
    const west = await backend();
    const sunk: EndpointHealthUpdate[] = [];
    const local: EndpointHealth[] = [];
    const monitor = new HealthMonitor({ cluster: 'east', sink: (u) => sunk.push(...u) });
    closers.push(() => monitor.stop());
    monitor.onLocalHealth((h) => local.push(h));
    const eps = [{ port: east.port, cluster: 'east' }, { port: west.port, cluster: 'west' }];
    // the same endpoints in two gateways' configs: one checker each
    monitor.update([config(eps), config(eps)]);
    expect(monitor.snapshot().map((h) => [h.port, h.cluster, h.healthy])).toEqual(
      [[east.port, 'east', true], [west.port, 'west', true]].sort((a, b) => (`127.0.0.1:${a[0]}` < `127.0.0.1:${b[0]}` ? -1 : 1)),
    );
    west.setUp(false);
    await until(() => sunk.length === 1);
    expect(sunk).toEqual([{ endpoint: `127.0.0.1:${west.port}`, healthy: false }]);
    expect(local).toEqual([]); // west is not this agent's cluster
    east.setUp(false);
    await until(() => local.length === 1);
    expect(local[0]).toMatchObject({ endpoint: `127.0.0.1:${east.port}`, cluster: 'east', healthy: false, reason: 'status 503' });
    expect(monitor.snapshot(true).map((h) => h.endpoint)).toEqual([`127.0.0.1:${east.port}`]);
    east.setUp(true);
    await until(() => local.length === 2);
    expect(local[1]).toMatchObject({ healthy: true });
    // no active check any more: the unhealthy endpoint is no longer judged, so it counts as healthy
    monitor.update([config(eps, false)]);
    expect(monitor.snapshot()).toEqual([]);
    expect(sunk.at(-1)).toEqual({ endpoint: `127.0.0.1:${west.port}`, healthy: true });
  });
});
