import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ActiveHealthChecker, type HealthChange } from './active-health-checker.js';
import { probeEndpoint, statusExpected } from './health-probe.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function httpServer(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const HTTP = { type: 'HTTP' as const, path: '/healthz', intervalMs: 20, timeoutMs: 150, healthyThreshold: 2, unhealthyThreshold: 2 };

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('probeEndpoint', () => {
  it('HTTP: the expected status is healthy, another status or a refused connection is not', async () => {
    const paths: string[] = [];
    const { port } = await httpServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/healthz' ? 200 : 503;
      res.end();
    });
    expect(await probeEndpoint('127.0.0.1', port, HTTP)).toEqual({ healthy: true });
    expect(await probeEndpoint('127.0.0.1', port, { ...HTTP, path: '/down' })).toEqual({ healthy: false, reason: 'status 503' });
    expect(await probeEndpoint('127.0.0.1', port, { ...HTTP, path: '/down', expectedStatuses: [503] })).toEqual({ healthy: true });
    expect(paths).toEqual(['/healthz', '/down', '/down']);
    expect(await probeEndpoint('127.0.0.1', await closedPort(), HTTP)).toEqual({ healthy: false, reason: 'ECONNREFUSED' });
  });

  it('HTTP: a server that accepts but never answers fails by timeout', async () => {
    const { port } = await httpServer(() => undefined);
    const t0 = Date.now();
    expect(await probeEndpoint('127.0.0.1', port, HTTP)).toEqual({ healthy: false, reason: 'timeout after 150 ms' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('TCP: a connection that opens is healthy', async () => {
    const { port } = await httpServer((_req, res) => res.end());
    const tcp = { ...HTTP, type: 'TCP' as const };
    expect(await probeEndpoint('127.0.0.1', port, tcp)).toEqual({ healthy: true });
    expect((await probeEndpoint('127.0.0.1', await closedPort(), tcp)).healthy).toBe(false);
  });

  it('statusExpected defaults to 200–399', () => {
    expect([199, 200, 302, 399, 400, 500].map((s) => statusExpected(s, undefined))).toEqual([false, true, true, true, false, false]);
  });
});

describe('ActiveHealthChecker', () => {
  it('turns unhealthy after the threshold of failures and healthy again after the threshold of successes', async () => {
    let up = true;
    const { port } = await httpServer((_req, res) => {
      res.statusCode = up ? 200 : 500;
      res.end();
    });
    const changes: HealthChange[] = [];
    const checker = new ActiveHealthChecker('127.0.0.1', port, HTTP, (c) => changes.push(c));
    closers.push(async () => checker.stop());
    checker.start();
    await until(() => checker.probes >= 3);
    expect(changes).toEqual([]);
    expect(checker.healthy).toBe(true);
    up = false;
    await until(() => changes.length === 1);
    expect(changes[0]).toEqual({ endpoint: `127.0.0.1:${port}`, healthy: false, reason: 'status 500' });
    up = true;
    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({ endpoint: `127.0.0.1:${port}`, healthy: true });
    const probes = checker.probes;
    checker.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(checker.probes).toBeLessThanOrEqual(probes + 1);
  });
});
