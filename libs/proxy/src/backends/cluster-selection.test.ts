import type { Backend } from '@portway/ir';
import { describe, expect, it } from 'vitest';
import { UpstreamRegistry } from '../upstream/upstream.js';
import { BackendRuntime } from './backend-runtime.js';
import { clusterHealth, clusterShares, priorityOrder } from './cluster-selection.js';
import { EndpointHealthTable } from './endpoint-health.js';

const cap = (name: string, total: number, healthy: number) => ({ name, total, healthy });
const asObject = (shares: { name: string; share: number }[]) => Object.fromEntries(shares.map((s) => [s.name, Math.round(s.share * 1000) / 1000]));

describe('clusterShares', () => {
  it('Spread: every healthy endpoint of the ClusterSet counts the same', () => {
    expect(asObject(clusterShares([cap('east', 2, 2), cap('west', 6, 6)], undefined, 'east'))).toEqual({ east: 0.25, west: 0.75 });
    expect(asObject(clusterShares([cap('east', 2, 0), cap('west', 6, 3)], { mode: 'Spread' }, 'east'))).toEqual({ east: 0, west: 1 });
  });

  it('PreferClose: local keeps everything while ≥ 1/1.4 of it is healthy', () => {
    expect(asObject(clusterShares([cap('east', 4, 4), cap('west', 4, 4)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 1, west: 0 });
    expect(asObject(clusterShares([cap('east', 10, 8), cap('west', 4, 4)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 1, west: 0 });
  });

  it('PreferClose: spills min(1, 1.4 × healthy/total) by priority as local health falls', () => {
    // half the local endpoints healthy: 0.7 stays local, 0.3 spills to west
    expect(asObject(clusterShares([cap('east', 4, 2), cap('west', 4, 4)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 0.7, west: 0.3 });
    // the failover order decides who takes the spill first
    const three = [cap('central', 2, 2), cap('east', 4, 1), cap('west', 2, 2)];
    expect(asObject(clusterShares(three, { mode: 'PreferClose', failoverOrder: ['west', 'central'] }, 'east'))).toEqual({ central: 0, east: 0.35, west: 0.65 });
    // without one, the other clusters by name
    expect(asObject(clusterShares(three, { mode: 'PreferClose' }, 'east'))).toEqual({ central: 0.65, east: 0.35, west: 0 });
  });

  it('PreferClose: fails over fully when no local endpoint is healthy, and normalizes when all are degraded', () => {
    expect(asObject(clusterShares([cap('east', 3, 0), cap('west', 3, 3)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 0, west: 1 });
    // 0.35 + min(0.65, 0.35) = 0.7 in all: scaled to 0.5 / 0.5
    expect(asObject(clusterShares([cap('east', 4, 1), cap('west', 4, 1)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 0.5, west: 0.5 });
    expect(asObject(clusterShares([cap('east', 3, 0), cap('west', 3, 0)], { mode: 'PreferClose' }, 'east'))).toEqual({ east: 0, west: 0 });
  });

  it('Weighted: shares by weight × health; when weighted clusters are down the failover order takes over', () => {
    const policy = { mode: 'Weighted' as const, weights: { east: 80, west: 20 }, failoverOrder: ['central'] };
    expect(asObject(clusterShares([cap('east', 2, 2), cap('west', 2, 2), cap('central', 2, 2)], policy, 'east'))).toEqual({ east: 0.8, west: 0.2, central: 0 });
    expect(asObject(clusterShares([cap('east', 2, 0), cap('west', 2, 2), cap('central', 2, 2)], policy, 'east'))).toEqual({ east: 0, west: 1, central: 0 });
    expect(asObject(clusterShares([cap('east', 2, 0), cap('west', 2, 0), cap('central', 2, 2)], policy, 'east'))).toEqual({ east: 0, west: 0, central: 1 });
  });

  it('helpers: health and priority order', () => {
    expect(clusterHealth(cap('a', 0, 0))).toBe(0);
    expect(clusterHealth(cap('a', 10, 5))).toBeCloseTo(0.7);
    expect(priorityOrder([cap('b', 1, 1), cap('a', 1, 1), cap('l', 1, 1)], 'l', ['b', 'missing']).map((c) => c.name)).toEqual(['l', 'b', 'a']);
  });
});

describe('BackendRuntime cluster selection', () => {
  const backend = (policy: Backend['clusterPolicy'], passive = false): Backend => ({
    id: 'ServiceImport/ns/echo:80',
    protocol: 'HTTP1',
    endpoints: [
      { address: '127.0.0.1', port: 1001, cluster: 'east', ready: true },
      { address: '127.0.0.1', port: 1002, cluster: 'east', ready: true },
      { address: '127.0.0.1', port: 2001, cluster: 'west', ready: true },
      { address: '127.0.0.1', port: 2002, cluster: 'west', ready: false },
    ],
    ...(policy ? { clusterPolicy: policy } : {}),
    ...(passive ? { healthCheck: { passive: { consecutiveErrors: 1, baseEjectionMs: 60_000, maxEjectionPercent: 100 } } } : {}),
  });
  const count = (b: BackendRuntime, n: number) => {
    const out: Record<number, number> = {};
    for (let i = 0; i < n; i++) {
      const u = b.next()!;
      out[u.port] = (out[u.port] ?? 0) + 1;
    }
    return out;
  };

  it('PreferClose stays local, leaves an unhealthy endpoint at once, and fails over when none is left', () => {
    const health = new EndpointHealthTable();
    const b = new BackendRuntime(backend({ mode: 'PreferClose' }), new UpstreamRegistry(), { cluster: 'east', health });
    expect(count(b, 100)).toEqual({ 1001: 50, 1002: 50 });
    health.apply([{ endpoint: '127.0.0.1:1001', healthy: false }]);
    // 1 of 2 local healthy: 70 % local (all on 1002), 30 % to west
    const c = count(b, 2000);
    expect(c[1001]).toBeUndefined();
    expect(c[1002]! / 2000).toBeGreaterThan(0.65);
    expect(c[1002]! / 2000).toBeLessThan(0.75);
    expect(c[2002]).toBeUndefined(); // not ready in the IR
    health.apply([{ endpoint: '127.0.0.1:1002', healthy: false }]);
    expect(count(b, 50)).toEqual({ 2001: 50 });
    health.apply([
      { endpoint: '127.0.0.1:1001', healthy: true },
      { endpoint: '127.0.0.1:1002', healthy: true },
    ]);
    expect(count(b, 10)).toEqual({ 1001: 5, 1002: 5 });
  });

  it('a retry avoids the failed endpoint: another local one, else another cluster', () => {
    const b = new BackendRuntime(backend({ mode: 'PreferClose' }, true), new UpstreamRegistry(), { cluster: 'east', health: new EndpointHealthTable() });
    const first = b.next()!;
    b.report(first, true); // ejected (consecutiveErrors 1)
    const second = b.nextExcept(first)!;
    expect(second.port).not.toBe(first.port);
    expect([1001, 1002]).toContain(second.port);
    b.report(second, true);
    expect(b.nextExcept(second)!.port).toBe(2001);
    expect(b.shares()).toEqual([
      { name: 'east', share: 0 },
      { name: 'west', share: 1 },
    ]);
  });

  it('a retry avoids every endpoint the request tried, even before any is ejected', () => {
    const b = new BackendRuntime(backend({ mode: 'PreferClose' }), new UpstreamRegistry(), { cluster: 'east', health: new EndpointHealthTable() });
    for (let i = 0; i < 20; i++) {
      const first = b.next()!;
      const second = b.nextExcept([first])!;
      expect(second.port).not.toBe(first.port);
      expect(b.nextExcept([first, second])!.port).toBe(2001);
    }
  });

  it('Spread (default) round-robins over every healthy endpoint of the ClusterSet', () => {
    const health = new EndpointHealthTable();
    const b = new BackendRuntime(backend(undefined), new UpstreamRegistry(), { cluster: 'east', health });
    expect(count(b, 30)).toEqual({ 1001: 10, 1002: 10, 2001: 10 });
    health.apply([{ endpoint: '127.0.0.1:2001', healthy: false }]);
    expect(count(b, 30)).toEqual({ 1001: 15, 1002: 15 });
  });

  it('when nothing is healthy, every ready endpoint is used anyway', () => {
    const health = new EndpointHealthTable();
    const b = new BackendRuntime(backend({ mode: 'PreferClose' }), new UpstreamRegistry(), { cluster: 'east', health });
    health.apply(['1001', '1002', '2001'].map((p) => ({ endpoint: `127.0.0.1:${p}`, healthy: false })));
    expect(count(b, 30)).toEqual({ 1001: 10, 1002: 10, 2001: 10 });
  });
});
