/**
 * Benchmark (run with the tests): 1,000 HTTPRoutes attached to one Gateway, with the hub in
 * Kubernetes mode (`Controller` + the Kubernetes source + the status writer, in-process bus and
 * agent) against the API double running in a child process. Reports the seconds until the
 * Gateway's `attachedRoutes` reads 1000 in the cluster, the number of Gateway and route status
 * writes, and the heap of this process (controller, bus and agent) with 1,000 routes, and with 5,000
 * when `PORTWAY_BENCH_ROUTES=5000` is set.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { InProcessBus } from '@portway/bus';
import { spawnApiServer, type RemoteApiServer } from '@portway/testing';
import type { Agent } from '@portway/agent';
import { KubeClient } from '../src/index.js';
import { startAgent, startReplica, type Replica } from './pipeline.js';
import { gateway, gatewayClass, httpRoute, service, waitFor } from './support.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

let remote: RemoteApiServer | undefined;
let replica: Replica | undefined;
let agent: Agent | undefined;
const bus = new InProcessBus();

afterAll(async () => {
  await replica?.stop();
  await agent?.stop();
  await bus.close();
  await remote?.close();
});

const GW_PATH = '/apis/gateway.networking.k8s.io/v1/namespaces/default';

async function createAll(client: KubeClient, objects: { metadata: { name: string } }[], concurrency = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objects.length) {
        const o = objects[next++]!;
        await client.request('POST', `${GW_PATH}/httproutes`, { body: o });
      }
    }),
  );
}

describe('benchmark: many HTTPRoutes on one Gateway (Kubernetes mode)', () => {
  it('attaches 1,000 routes (and 5,000 on request), and reports time, status writes and memory', async () => {
    remote = await spawnApiServer({ eventWindow: 50_000 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(remote.kubeconfig());
    const client = new KubeClient(kubeConfig);
    await client.request('POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', { body: gatewayClass('portway') });
    await client.request('POST', '/api/v1/namespaces/default/services', { body: service('echo') });
    await client.request('POST', `${GW_PATH}/gateways`, { body: gateway('gw', 'portway', { listeners: [{ name: 'http', port: 18093, protocol: 'HTTP' }] }) });
    const heapBefore = heapMb();

    agent = startAgent(bus);
    replica = await startReplica({ kubeConfig, bus, addressPool: ['127.0.93.1'], batchMs: 100 });
    const attached = async () => ((await client.request<any>('GET', `${GW_PATH}/gateways/gw`)).status?.listeners?.[0]?.attachedRoutes as number | undefined) ?? -1;
    await waitFor('the Gateway programmed', async () => ((await client.request<any>('GET', `${GW_PATH}/gateways/gw`)).status?.conditions?.some((c: any) => c.type === 'Programmed' && c.status === 'True') ? true : undefined));
    await replica.writer()!.idle();
    const gwWrites0 = await remote.countRequests({ verb: 'update', subresource: 'status', kind: 'Gateway' });
    const routeWrites0 = await remote.countRequests({ verb: 'update', subresource: 'status', kind: 'HTTPRoute' });

    const routes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => httpRoute(`route-${String(from + i).padStart(5, '0')}`, ['gw'], 'default', { hostnames: [`r${from + i}.example`] }));
    const t0 = performance.now();
    await createAll(client, routes(0, 1000));
    const created = performance.now();
    await waitFor('attachedRoutes 1000', async () => ((await attached()) === 1000 ? true : undefined), 120_000);
    const attachedAt = performance.now();
    await waitFor('every route status written', () => (replica!.writer()!.counts().byKind.HTTPRoute ?? 0) >= 1000 ? true : undefined, 120_000);
    await replica.writer()!.idle();
    const settled = performance.now();
    const gwWrites = (await remote.countRequests({ verb: 'update', subresource: 'status', kind: 'Gateway' })) - gwWrites0;
    const routeWrites = (await remote.countRequests({ verb: 'update', subresource: 'status', kind: 'HTTPRoute' })) - routeWrites0;
    const heap1000 = heapMb();

    // 5,000 routes take minutes on a loaded 2-core machine: measured on request only.
    const large = Number(process.env.PORTWAY_BENCH_ROUTES ?? 0) >= 5000;
    let large5000: { s: number; afterLastCreate: number; heap: number } | undefined;
    if (large) {
      const t5000 = performance.now();
      await createAll(client, routes(1000, 5000));
      const created5000 = performance.now();
      await waitFor('attachedRoutes 5000', async () => ((await attached()) === 5000 ? true : undefined), 300_000);
      const attached5000 = performance.now();
      await waitFor('every route status written', () => ((replica!.writer()!.counts().byKind.HTTPRoute ?? 0) >= 5000 ? true : undefined), 300_000);
      await replica.writer()!.idle();
      large5000 = { s: attached5000 - t5000, afterLastCreate: attached5000 - created5000, heap: heapMb() };
    }
    client.close();

    const s = (ms: number) => (ms / 1000).toFixed(2);
    const report = {
      'attach 1000: s from first create to attachedRoutes=1000': s(attachedAt - t0),
      'attach 1000: s creating the routes (32 parallel POSTs to the double)': s(created - t0),
      'attach 1000: s from the last create to attachedRoutes=1000': s(attachedAt - created),
      'attach 1000: s until every route status was written': s(settled - t0),
      'attach 1000: Gateway status writes': gwWrites,
      'attach 1000: HTTPRoute status writes': routeWrites,
      ...(large5000
        ? {
            'attach 5000 (4000 more): s from first create to attachedRoutes=5000': s(large5000.s),
            'attach 5000 (4000 more): s from the last create to attachedRoutes=5000': s(large5000.afterLastCreate),
          }
        : {}),
      'heap MB before the controller (test process)': heapBefore.toFixed(1),
      'heap MB with 1000 routes (controller + bus + agent)': heap1000.toFixed(1),
      'heap MB with 5000 routes': large5000 ? large5000.heap.toFixed(1) : 'not measured (set PORTWAY_BENCH_ROUTES=5000)',
    };
    console.log(`benchmark, Kubernetes mode:\n${Object.entries(report).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    expect(routeWrites).toBeGreaterThanOrEqual(1000);
    expect(gwWrites).toBeGreaterThanOrEqual(1);
    expect(attachedAt - t0).toBeLessThan(120_000);
  }, 600_000);
});
