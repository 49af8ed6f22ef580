/**
 * The status writer against the API-server double: writes through `/status` only when something
 * changed, retries conflicts (re-read and re-merge), keeps other controllers' route parents and the
 * transition times of unchanged conditions, clears Portway's parents of routes it no longer manages,
 * records Events for notable transitions, and counts its writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { statusWriteMachine } from '@portway/lifecycle';
import type { ApiServer } from '@portway/testing';
import { createStatusWriter, type StatusWriter } from '../src/index.js';
import { CONTROLLER, gateway, gatewayClass, GW_V1, httpRoute, startDouble, waitFor } from './support.js';

let server: ApiServer | undefined;
let writer: StatusWriter | undefined;

afterEach(async () => {
  await writer?.stop();
  await server?.close();
  writer = undefined;
  server = undefined;
});

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-06-01T00:00:00Z';
const cond = (type: string, status: string, reason: string, time = T0, observedGeneration = 1) => ({ type, status, reason, message: '', lastTransitionTime: time, observedGeneration });
const parent = (name: string, controllerName: string, accepted = 'True', time = T0) => ({
  parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name },
  controllerName,
  conditions: [cond('Accepted', accepted, accepted === 'True' ? 'Accepted' : 'NotAllowedByListeners', time), cond('ResolvedRefs', 'True', 'ResolvedRefs', time)],
});
const gatewayStatus = (programmed: string, time = T0) => ({
  conditions: [cond('Accepted', 'True', 'Accepted', time), cond('Programmed', programmed, programmed === 'True' ? 'Programmed' : 'Pending', time)],
  listeners: [{ name: 'http', attachedRoutes: 1, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], conditions: [cond('Accepted', 'True', 'Accepted', time)] }],
});

async function setup(options: { maxAttempts?: number } = {}) {
  const d = await startDouble();
  server = d.server;
  server.create(gatewayClass('portway'));
  server.create(gateway('gw'));
  server.create(httpRoute('web', ['gw']));
  writer = createStatusWriter({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, machine: statusWriteMachine, baseDelayMs: 20, ...options });
  return { server, writer };
}

const statusWrites = () => server!.countRequests({ verb: 'update', subresource: 'status' });

describe('status writer', () => {
  it('writes through the status subresource, and only what changed', async () => {
    const { server, writer } = await setup();
    writer.apply([{ kind: 'Gateway', namespace: 'default', name: 'gw', status: gatewayStatus('False') }], []);
    await writer.idle();
    expect(server.get(GW_V1, 'Gateway', 'default', 'gw')!.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'Programmed=False']);
    expect(statusWrites()).toBe(1);
    // The same status again (even computed later, with a newer transition time): no write.
    writer.apply([{ kind: 'Gateway', namespace: 'default', name: 'gw', status: gatewayStatus('False', T1) }], []);
    await writer.idle();
    expect(statusWrites()).toBe(1);
    expect(writer.counts()).toMatchObject({ writes: 1, skipped: 1, byKind: { Gateway: 1 } });
    // A real change is written; the unchanged Accepted condition keeps its original time.
    writer.apply([{ kind: 'Gateway', namespace: 'default', name: 'gw', status: gatewayStatus('True', T1) }], []);
    await writer.idle();
    const conditions = server.get(GW_V1, 'Gateway', 'default', 'gw')!.status.conditions;
    expect(conditions).toEqual([expect.objectContaining({ type: 'Accepted', lastTransitionTime: T0 }), expect.objectContaining({ type: 'Programmed', status: 'True', lastTransitionTime: T1 })]);
    expect(writer.writeCount()).toBe(2);
    expect(await writer.metrics.getSingleMetricAsString('portway_status_writes_total')).toContain('portway_status_writes_total{kind="Gateway",result="written"} 2');
  });

  it('keeps no actor for an object once its status is written, and starts one again for its next write', async () => {
    const { server, writer } = await setup();
    for (let i = 0; i < 30; i++) server.create(httpRoute(`r${i}`, ['gw']));
    const routeStatus = (reason: string) => ({ parents: [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'gw' }, controllerName: CONTROLLER, conditions: [{ type: 'Accepted', status: 'True', reason, message: reason, observedGeneration: 1, lastTransitionTime: T0 }] }] });
    const all = (reason: string) => Array.from({ length: 30 }, (_, i) => ({ kind: 'HTTPRoute', namespace: 'default', name: `r${i}`, status: routeStatus(reason) }));
    writer.apply(all('Accepted'), []);
    expect(writer.pending()).toBe(30);
    await writer.idle();
    await new Promise((r) => setImmediate(r));
    expect(writer.pending()).toBe(0);
    expect(statusWrites()).toBe(30);
    const gets = server.countRequests({ verb: 'get' });
    writer.apply(all('Accepted').slice(0, 3).map((u) => ({ ...u, status: routeStatus('Again') })), []);
    await writer.idle();
    await new Promise((r) => setImmediate(r));
    expect(writer.pending()).toBe(0);
    expect(statusWrites()).toBe(33);
    const r2 = server.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'r2')!;
    expect(r2.status.parents[0].conditions[0].reason).toBe('Again');
    // The second writes started from what the first ones answered (no read), and the spec is as it was.
    expect(server.countRequests({ verb: 'get' })).toBe(gets);
    expect(r2.spec.parentRefs).toEqual([expect.objectContaining({ name: 'gw' })]);
  });

  it('retries conflicts: re-reads the object and merges again', async () => {
    const { server, writer } = await setup();
    server.faults.injectErrors({ count: 2, kind: 'HTTPRoute', subresource: 'status' });
    writer.apply([{ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER)] } }], []);
    await writer.idle();
    expect(server.faults.injectedCount()).toBe(2);
    expect(writer.counts()).toMatchObject({ writes: 1, conflicts: 2, failed: 0 });
    expect(server.get(GW_V1, 'HTTPRoute', 'default', 'web')!.status.parents).toHaveLength(1);
  });

  it('gives up after the last attempt and says so in its counts', async () => {
    const { server, writer } = await setup({ maxAttempts: 2 });
    server.faults.injectErrors({ count: 5, kind: 'HTTPRoute', subresource: 'status' });
    writer.apply([{ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER)] } }], []);
    await writer.idle();
    expect(writer.counts()).toMatchObject({ writes: 0, failed: 1 });
  });

  it("keeps other controllers' route parents and replaces only Portway's", async () => {
    const { server, writer } = await setup();
    writer.apply([{ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER, 'True')] } }], []);
    await writer.idle();
    // Another controller adds its parent: the writer's copy from its own last write is now stale.
    const route = server.get(GW_V1, 'HTTPRoute', 'default', 'web')!;
    server.update({ ...route, status: { parents: [parent('theirs', 'example.net/other'), ...route.status.parents] } }, 'status');
    writer.apply([{ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER, 'False', T1)] } }], []);
    await writer.idle();
    expect(writer.counts()).toMatchObject({ writes: 2, conflicts: 1 });
    const parents = server.get(GW_V1, 'HTTPRoute', 'default', 'web')!.status.parents;
    expect(parents.map((p: any) => `${p.controllerName} ${p.parentRef.name} ${p.conditions[0].status}`)).toEqual(['example.net/other theirs True', `${CONTROLLER} gw False`]);
    // The route stops being Portway's: only Portway's entry goes.
    writer.apply([], ['HTTPRoute/default/web']);
    await writer.idle();
    expect(server.get(GW_V1, 'HTTPRoute', 'default', 'web')!.status.parents.map((p: any) => p.controllerName)).toEqual(['example.net/other']);
  });

  it('drops writes for objects that are gone', async () => {
    const { server, writer } = await setup();
    server.delete(GW_V1, 'HTTPRoute', 'default', 'web');
    writer.apply([{ kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER)] } }], []);
    await writer.idle();
    expect(writer.counts()).toMatchObject({ writes: 0, failed: 0 });
  });

  it('records Events when a Gateway becomes Programmed and when a route is rejected', async () => {
    const { server, writer } = await setup();
    writer.apply(
      [
        { kind: 'Gateway', namespace: 'default', name: 'gw', status: gatewayStatus('True') },
        { kind: 'HTTPRoute', namespace: 'default', name: 'web', status: { parents: [parent('gw', CONTROLLER, 'False')] } },
      ],
      [],
    );
    await writer.idle();
    const events = await waitFor('two events', () => {
      const list = server.list('v1', 'Event', 'default');
      return list.length === 2 ? list : undefined;
    });
    expect(events.map((e) => `${e.involvedObject.kind} ${e.type} ${e.reason}`).sort()).toEqual(['Gateway Normal Programmed', 'HTTPRoute Warning Rejected']);
    expect(events.find((e) => e.reason === 'Rejected')!.message).toContain('NotAllowedByListeners');
    // The same state again: no new events.
    writer.apply([{ kind: 'Gateway', namespace: 'default', name: 'gw', status: gatewayStatus('True', T1) }], []);
    await writer.idle();
    expect(writer.eventCounts().created).toBe(2);
  });
});
