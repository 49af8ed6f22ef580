/**
 * The ClusterSet end to end, from the build: a hub nats-server and two spoke leafnode servers
 * (east, west; each spoke's link to the hub through a relay the test can cut), `portway
 * controller --derive-service-imports`, one `portway agent` per cluster exporting its folder's
 * Service echo (two echo servers per cluster), real HTTP traffic through each agent. The steps run
 * in order on one ClusterSet (they build on each other: the hub goes down and comes back, a link is
 * cut, an agent restarts while cut off, the link comes back).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@portway/testing';
import { byCluster, clusterSetRunnable, countPods, LocalClusterSet } from './support/clusterset.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => waitFor(what, fn, timeoutMs, 100);

interface ExportView {
  cluster: string;
  name: string;
  stale: boolean;
  conditions: { type: string; status: string; reason: string; message: string }[];
}

describe.skipIf(!clusterSetRunnable)('ClusterSet: hub, two spokes over leafnodes, exported endpoints', () => {
  let set: LocalClusterSet;
  beforeAll(async () => {
    set = await LocalClusterSet.start({
      // Addresses no other test binds (test files run in parallel).
      clusters: [
        { name: 'east', agentAddress: '127.0.64.1', backends: ['127.0.65.1', '127.0.65.2'] },
        { name: 'west', agentAddress: '127.0.64.2', backends: ['127.0.66.1', '127.0.66.2'] },
      ],
      hubBackends: ['127.0.67.1'],
      workers: 0,
      logLevel: 'info',
      heartbeatMs: 500,
      exportRefreshMs: 400,
      endpointStaleMs: 2_000,
      cacheFallbackMs: 1_000,
    });
  }, 90_000);
  afterAll(async () => {
    await set?.stop();
  }, 30_000);

  it("routes through each agent to both clusters' exported endpoints; the hub derives the ServiceImport and lists the clusters", async () => {
    for (const cluster of ['east', 'west']) {
      const counts = await countPods(set.gatewayUrl(cluster), 200);
      expect(counts.get('error') ?? 0).toBe(0);
      expect([...counts.keys()].sort()).toEqual(['east-echo-1', 'east-echo-2', 'west-echo-1', 'west-echo-2']);
    }
    const status = await set.admin<{ objects: { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: { ports: { port: number }[] }; status?: { clusters: { cluster: string }[]; conditions: { type: string; status: string }[] } }[] }>('/status');
    const imp = status.objects.find((o) => o.kind === 'ServiceImport' && o.metadata.name === 'echo')!;
    expect(imp.metadata.labels).toMatchObject({ 'portway.dev/derived-from-exports': 'true' });
    expect(imp.spec!.ports.map((p) => p.port)).toEqual([80]);
    expect(imp.status).toMatchObject({ clusters: [{ cluster: 'east' }, { cluster: 'west' }], conditions: [{ type: 'Ready', status: 'True' }] });
    const slices = status.objects.filter((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['multicluster.kubernetes.io/service-name'] === 'echo');
    expect(slices.map((s) => s.metadata.labels!['multicluster.kubernetes.io/source-cluster']).sort()).toEqual(['east', 'west']);
  }, 30_000);

  it('splits across clusters within ±5% over 2,000 requests, and mixes Service and ServiceImport under the route weights (80/20)', async () => {
    const spread = byCluster(await countPods(set.gatewayUrl('west'), 2_000));
    expect(spread.error ?? 0).toBe(0);
    expect(Math.abs(spread.east! / 2_000 - 0.5)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(spread.west! / 2_000 - 0.5)).toBeLessThanOrEqual(0.05);

    const mixed = byCluster(await countPods(set.gatewayUrl('east', '/mixed'), 2_000));
    console.log(`ClusterSet split over 2,000 requests: / through west ${JSON.stringify(spread)}, /mixed through east ${JSON.stringify(mixed)}`);
    expect(mixed.error ?? 0).toBe(0);
    // 20% to Service "local"; the ServiceImport's 80% spread over both clusters (40% each).
    expect(Math.abs(mixed.local! / 2_000 - 0.2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(mixed.east! / 2_000 - 0.4)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(mixed.west! / 2_000 - 0.4)).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('says so in the conditions when two clusters export conflicting ports: the oldest export wins', async () => {
    const conflict = (port: number, cluster: string) => `apiVersion: v1
kind: Service
metadata: { name: conflict, namespace: default }
spec:
  ports: [{ name: http, port: ${port}, targetPort: 3000 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: conflict-${cluster}, namespace: default, labels: { kubernetes.io/service-name: conflict } }
addressType: IPv4
ports: [{ name: http, port: 3000 }]
endpoints: [{ addresses: ["${set.cluster(cluster).spec.backends[0]}"] }]
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: { name: conflict, namespace: default }
`;
    writeFileSync(join(set.cluster('east').resources, 'conflict.yaml'), conflict(80, 'east'));
    // Export times have a resolution of one second: west exports later.
    await sleep(1_100);
    writeFileSync(join(set.cluster('west').resources, 'conflict.yaml'), conflict(8080, 'west'));
    const exports = await until('conflicting exports', async () => {
      const v = await set.admin<{ exports: ExportView[] }>('/clusterset');
      const c = v.exports.filter((e) => e.name === 'conflict');
      return c.length === 2 && c.every((e) => e.conditions.some((x) => x.type === 'Conflict' && x.status === 'True')) ? c : undefined;
    });
    for (const e of exports) {
      const cond = e.conditions.find((x) => x.type === 'Conflict')!;
      expect(cond.reason).toBe('PortConflict');
      expect(cond.message).toMatch(/oldest export wins: cluster east .*clusters west disagree/);
    }
    const status = await set.admin<{ objects: { kind: string; metadata: { name: string }; spec?: { ports: { port: number }[] } }[] }>('/status');
    expect(status.objects.find((o) => o.kind === 'ServiceImport' && o.metadata.name === 'conflict')!.spec!.ports.map((p) => p.port)).toEqual([80]);
    // The echo export has no conflict.
    const echo = (await set.admin<{ exports: ExportView[] }>('/clusterset')).exports.filter((e) => e.name === 'echo');
    expect(echo.map((e) => e.conditions.find((x) => x.type === 'Conflict')!.reason)).toEqual(['NoConflicts', 'NoConflicts']);
  }, 30_000);

  it('keeps routing in every spoke while the hub is down', async () => {
    await set.stopHub();
    try {
      await sleep(1_500);
      for (const cluster of ['east', 'west']) {
        const counts = byCluster(await countPods(set.gatewayUrl(cluster), 200));
        expect(counts.error ?? 0).toBe(0);
        expect(counts.east).toBeGreaterThan(0);
        expect(counts.west).toBeGreaterThan(0);
      }
    } finally {
      await set.startHub();
    }
    // The controller and the spokes come back: both clusters' reports are fresh again.
    await until('fresh reports after the hub is back', async () => {
      const v = await set.admin<{ exports: ExportView[] }>('/clusterset');
      const echo = v.exports.filter((e) => e.name === 'echo');
      return echo.length === 2 && echo.every((e) => !e.stale) ? true : undefined;
    }, 30_000);
  }, 60_000);

  it("drops a cut-off spoke's endpoints from the other clusters once its reports go stale; the cut-off spoke keeps its last config", async () => {
    await set.cutLink('west');
    const cutAt = Date.now();
    await until('west dropped from east\'s config', async () => ((await set.endpointClusters('east')).join(',') === 'east' ? true : undefined), 15_000);
    const droppedMs = Date.now() - cutAt;
    console.log(`west's link cut: its endpoints left east's config after ${droppedMs} ms (stale after 2,000 ms)`);
    // Stale after 2 s (the controller's --endpoint-stale-ms), checked every 0.5 s, plus a build and a publish.
    expect(droppedMs).toBeLessThan(8_000);
    // East's agent got the new config through its own leafnode: only east answers there.
    await until('east serving east only', async () => {
      const c = byCluster(await countPods(set.gatewayUrl('east'), 40));
      return c.west === undefined && (c.error ?? 0) === 0 ? true : undefined;
    }, 10_000);
    const east = byCluster(await countPods(set.gatewayUrl('east'), 200));
    expect(east).toEqual({ east: 200 });
    // West, cut off, serves its last config: both clusters' endpoints (the network is flat).
    const west = byCluster(await countPods(set.gatewayUrl('west'), 200));
    const diag = async () => JSON.stringify({ west, agent: await (await fetch(`http://${set.cluster('west').agentAdmin}/status`)).json(), hubConfigFor: await set.endpointClusters('west') }).slice(0, 3000);
    if (!(west.east && west.west)) console.log(await diag());
    expect(west, JSON.stringify(west)).toMatchObject({ east: expect.any(Number), west: expect.any(Number) });
    expect(west.error ?? 0).toBe(0);
  }, 40_000);

  it('serves the disk cache when an agent restarts while cut off, and catches up once the link is back', async () => {
    expect(set.cluster('west').link.isOpen()).toBe(false);
    await set.restartAgent('west');
    const status = (await (await fetch(`http://${set.cluster('west').agentAdmin}/status`)).json()) as { bus: string };
    expect(status.bus).toMatch(/serving the disk cache/);
    expect(set.cluster('west').agent.log()).toMatch(/serving the disk cache/);
    const west = byCluster(await countPods(set.gatewayUrl('west'), 200));
    expect(west.error ?? 0).toBe(0);
    expect(west.west).toBeGreaterThan(0);

    await set.restoreLink('west');
    await until('west back in east\'s config', async () => ((await set.endpointClusters('east')).join(',') === 'east,west' ? true : undefined), 20_000);
    await until('east serving both clusters again', async () => {
      const c = byCluster(await countPods(set.gatewayUrl('east'), 60));
      return c.west && c.east && (c.error ?? 0) === 0 ? true : undefined;
    }, 10_000);
  }, 60_000);
});
