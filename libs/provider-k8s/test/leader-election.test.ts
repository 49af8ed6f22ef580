/**
 * Two controller replicas against the API double, campaigning on one Lease: one leads and writes
 * status; when it dies (stops renewing, without releasing), the standby takes over within 15 s and
 * writes nothing the cluster already has (no status flapping), then keeps status up to date.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '@portway/bus';
import type { ApiServer } from '@portway/testing';
import type { Agent } from '@portway/agent';
import { createLeaderElector } from '../src/index.js';
import { startAgent, startReplica, type Replica } from './pipeline.js';
import { gateway, gatewayClass, GW_V1, httpRoute, service, startDouble, waitFor } from './support.js';

let server: ApiServer | undefined;
let agent: Agent | undefined;
const replicas: Replica[] = [];
const bus = new InProcessBus();

afterAll(async () => {
  for (const r of replicas) await r.stop();
  await agent?.stop();
  await bus.close();
  await server?.close();
});

const conditions = (o: any) => (o?.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status}`).join(',');

describe('leader election', () => {
  it('elects one leader; a second candidate waits', async () => {
    const d = await startDouble();
    const events: string[] = [];
    const mk = (identity: string) =>
      createLeaderElector({ kubeConfig: d.kubeConfig, namespace: 'kube-system', name: 'portway-test', identity, leaseDurationMs: 2000, renewMs: 300, retryMs: 300, onStartedLeading: () => events.push(`${identity} leads`), onStoppedLeading: () => events.push(`${identity} stops`) });
    const a = mk('a');
    const b = mk('b');
    try {
      a.start();
      await waitFor('a to lead', () => (a.isLeader() ? true : undefined));
      b.start();
      await new Promise((r) => setTimeout(r, 1500));
      expect(b.isLeader()).toBe(false);
      expect(b.currentHolder()).toBe('a');
      // A clean stop releases the Lease: b takes over at its next try, well before the lease would expire.
      const stopped = Date.now();
      await a.stop();
      await waitFor('b to lead', () => (b.isLeader() ? true : undefined));
      expect(Date.now() - stopped).toBeLessThan(1500);
      expect(events).toEqual(['a leads', 'a stops', 'b leads']);
      const lease = d.server.get('coordination.k8s.io/v1', 'Lease', 'kube-system', 'portway-test')!;
      expect(lease.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    } finally {
      await a.stop();
      await b.stop();
      await d.server.close();
    }
  });

  it('hands over within 15 s when the leader dies, without rewriting status', async () => {
    const d = await startDouble();
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(service('echo'));
    server.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'echo-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'echo' } }, addressType: 'IPv4', ports: [{ name: 'http', port: 3000 }], endpoints: [{ addresses: ['127.0.91.2'] }] });
    server.create(gateway('gw', 'portway', { listeners: [{ name: 'http', port: 18091, protocol: 'HTTP' }] }));
    server.create(httpRoute('web', ['gw']));
    const lease = { namespace: 'kube-system', name: 'portway-controller' };
    const a = await startReplica({ kubeConfig: d.kubeConfig, bus, addressPool: ['127.0.91.1'], lease: { ...lease, identity: 'replica-a' } });
    replicas.push(a);
    await waitFor('replica a to lead', () => (a.elector!.isLeader() ? true : undefined));
    const b = await startReplica({ kubeConfig: d.kubeConfig, bus, addressPool: ['127.0.91.1'], lease: { ...lease, identity: 'replica-b' } });
    replicas.push(b);
    // Replicas start together, as a Deployment's pods do, before agents ack: the standby sees the
    // acks too. (A standby started after the last ack never learns that agents serve the revision:
    // the controller reads acks only, not the agents' heartbeats; see the package README.)
    agent = startAgent(bus);

    await waitFor('Gateway Programmed and route Accepted in the cluster', () => {
      const gw = server!.get(GW_V1, 'Gateway', 'default', 'gw');
      const route = server!.get(GW_V1, 'HTTPRoute', 'default', 'web');
      return conditions(gw) === 'Accepted=True,ResolvedRefs=True,Programmed=True' && route?.status?.parents?.[0]?.conditions?.length ? { gw, route } : undefined;
    });
    await a.writer()!.idle();
    const before = { gw: server.get(GW_V1, 'Gateway', 'default', 'gw')!, route: server.get(GW_V1, 'HTTPRoute', 'default', 'web')! };
    const writesBefore = server.countRequests({ verb: 'update', subresource: 'status' });
    expect(b.elector!.isLeader()).toBe(false);
    expect(b.writes()).toBe(0);

    // The leader dies: it stops renewing and never releases the Lease.
    const died = Date.now();
    await a.stop();
    await waitFor('replica b to lead', () => (b.elector!.isLeader() ? true : undefined), 20_000);
    const takeoverMs = Date.now() - died;
    expect(takeoverMs).toBeLessThan(15_000);
    await b.writer()!.idle();
    // The new leader computed the same statuses (with its own transition times): nothing to write.
    expect(server.countRequests({ verb: 'update', subresource: 'status' })).toBe(writesBefore);
    expect(server.get(GW_V1, 'Gateway', 'default', 'gw')!.metadata.resourceVersion).toBe(before.gw.metadata.resourceVersion);
    expect(server.get(GW_V1, 'HTTPRoute', 'default', 'web')!.status).toEqual(before.route.status);
    expect(b.writer()!.counts().skipped).toBeGreaterThan(0);

    // And it keeps the cluster up to date from then on.
    server.create(httpRoute('after-takeover', ['gw']));
    await waitFor('the new route accepted by the new leader', () => (server!.get(GW_V1, 'HTTPRoute', 'default', 'after-takeover')?.status?.parents?.length ? true : undefined));
    expect(b.writes()).toBeGreaterThan(0);
    console.log(`leader hand-over: ${(takeoverMs / 1000).toFixed(1)} s after the leader died (lease 8 s, retry 2 s); status writes by the new leader before any change: 0`);
  }, 40_000);
});
