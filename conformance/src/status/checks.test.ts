import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusServer } from '../../test/helpers/status-server.js';
import { StatusClient } from '../portway/status-client.js';
import type { StatusCheck } from '../suite/types.js';
import { Timeouts } from '../util/timeouts.js';
import { runStatusCheck, type CheckEnv } from './checks.js';
import { CheckFailure } from './poll.js';

const server = new StatusServer();
let client: StatusClient;
beforeAll(async () => {
  client = new StatusClient(await server.start());
});
afterAll(() => server.stop());

const CONTROLLER = 'portway.dev/gateway-controller';
const ns = 'gateway-conformance-infra';
const env = (scale = 0.01, extra: Partial<CheckEnv> = {}): CheckEnv => ({
  readStatus: () => client.read(),
  timeouts: new Timeouts(scale),
  controllerName: CONTROLLER,
  generations: new Map(),
  podCount: () => 1,
  manifest: () => undefined,
  usableAddresses: ['127.0.100.254'],
  unusableAddresses: ['192.0.2.1'],
  log: () => undefined,
  ...extra,
});
const cond = (type: string, status: string, reason: string, observedGeneration = 1) => ({ type, status, reason, observedGeneration });
const gateway = (o: { generation?: number; conditions?: unknown[]; listeners?: unknown[]; addresses?: unknown[]; annotations?: Record<string, string>; name?: string }) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: o.name ?? 'gw', namespace: ns, generation: o.generation ?? 1, ...(o.annotations ? { annotations: o.annotations } : {}) },
  spec: { listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  status: { addresses: o.addresses ?? [{ type: 'IPAddress', value: '127.0.100.1' }], conditions: o.conditions ?? [], listeners: o.listeners ?? [] },
});
const route = (parents: unknown[], generation = 1) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: ns, generation }, spec: {}, status: { parents } });
const parent = (o: { kind?: string; name?: string; namespace?: string; sectionName?: string; controllerName?: string; conditions?: unknown[] }) => ({
  parentRef: { group: 'gateway.networking.k8s.io', kind: o.kind ?? 'Gateway', name: o.name ?? 'gw', ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(o.sectionName ? { sectionName: o.sectionName } : {}) },
  controllerName: o.controllerName ?? CONTROLLER,
  conditions: o.conditions ?? [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs')],
});
const check = (c: Record<string, unknown>): StatusCheck => ({ step: 0, ...c }) as StatusCheck;
const ok = { type: 'Accepted', status: 'True' };
const listenerOk = { name: 'http', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], attachedRoutes: 1, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs'), cond('Programmed', 'True', 'Programmed')] };

describe('Gateway checks', () => {
  it('GatewayMustHaveCondition fails at once on a stale condition (upstream quirk), else waits', async () => {
    server.objects = [gateway({ generation: 2, conditions: [cond('Accepted', 'True', 'Accepted', 1)] })];
    const t0 = Date.now();
    await expect(runStatusCheck(check({ check: 'GatewayMustHaveCondition', gateway: { namespace: ns, name: 'gw' }, condition: ok }), env(1))).rejects.toThrow(/stale conditions/);
    expect(Date.now() - t0).toBeLessThan(1000);
    server.objects = [gateway({ conditions: [cond('Accepted', 'False', 'Invalid')] })];
    await expect(runStatusCheck(check({ check: 'GatewayMustHaveCondition', gateway: { namespace: ns, name: 'gw' }, condition: ok }), env())).rejects.toThrow(/timed out after 1800 ms: conditions: Accepted=False\(Invalid\)/);
    server.objects = [gateway({ conditions: [cond('Accepted', 'True', 'Whatever')] })];
    await runStatusCheck(check({ check: 'GatewayMustHaveCondition', gateway: { namespace: ns, name: 'gw' }, condition: ok }), env());
  });

  it('GatewayStatusMustHaveListeners compares count, kinds, attached routes and a subset of conditions', async () => {
    const c = check({ check: 'GatewayStatusMustHaveListeners', gateway: { namespace: ns, name: 'gw' }, listeners: [{ name: 'http', supportedKinds: [{ kind: 'HTTPRoute' }], attachedRoutes: 1, conditions: [ok] }] });
    server.objects = [gateway({ listeners: [listenerOk] })];
    await runStatusCheck(c, env());
    server.objects = [gateway({ listeners: [{ ...listenerOk, attachedRoutes: 2 }] })];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/attachedRoutes 2, expected 1/);
    server.objects = [gateway({ listeners: [listenerOk] })];
    await expect(runStatusCheck(check({ ...c, listeners: [{ name: 'http', supportedKinds: [], attachedRoutes: 1, conditions: [] }] }), env())).rejects.toThrow(/expected none/);
  });

  it('GatewayMustHaveZeroRoutes is not fatal', async () => {
    server.objects = [gateway({ listeners: [listenerOk] })];
    const err = await runStatusCheck(check({ check: 'GatewayMustHaveZeroRoutes', gateway: { namespace: ns, name: 'gw' } }), env()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailure);
    expect((err as CheckFailure).fatal).toBe(false);
    server.objects = [gateway({ listeners: [{ ...listenerOk, attachedRoutes: 0 }] })];
    await runStatusCheck(check({ check: 'GatewayMustHaveZeroRoutes', gateway: { namespace: ns, name: 'gw' } }), env());
  });

  it('NamespacesMustBeReady skips annotated Gateways', async () => {
    const ready = [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')];
    server.objects = [gateway({ conditions: ready }), gateway({ name: 'static', annotations: { 'gateway-api/skip-this-for-readiness': 'true' } })];
    await runStatusCheck(check({ check: 'NamespacesMustBeReady', namespaces: [ns] }), env());
    server.objects = [gateway({ conditions: [cond('Accepted', 'True', 'Accepted')] })];
    await expect(runStatusCheck(check({ check: 'NamespacesMustBeReady', namespaces: [ns] }), env(0.001))).rejects.toThrow(/no Programmed=True/);
    server.objects = [gateway({ conditions: ready })];
    await expect(runStatusCheck(check({ check: 'NamespacesMustBeReady', namespaces: [ns] }), env(0.001, { podCount: () => 0 }))).rejects.toThrow(/no Pod runs/);
  });

  it('records a generation and sees it change', async () => {
    const e = env();
    server.objects = [gateway({ generation: 1 })];
    await runStatusCheck(check({ check: 'RecordGeneration', object: { namespace: ns, name: 'gw', kind: 'Gateway' }, as: 'original', expect: 'spec.listeners has exactly 1 entries' }), e);
    await expect(runStatusCheck(check({ check: 'GenerationChanged', object: { namespace: ns, name: 'gw', kind: 'Gateway' } }), e)).rejects.toThrow(/still 1/);
    server.objects = [gateway({ generation: 2 })];
    await runStatusCheck(check({ check: 'GenerationChanged', object: { namespace: ns, name: 'gw', kind: 'Gateway' } }), e);
    await expect(runStatusCheck(check({ check: 'GatewaySpecAddressCount', gateway: { namespace: ns, name: 'gw' }, expect: 'len(spec.addresses) == 3' }), e)).rejects.toThrow(/len\(spec.addresses\) is 0, expected 3/);
  });
});

describe('Route checks', () => {
  it('GatewayAndRoutesMustBeAccepted waits for an address, the route parents and listener conditions', async () => {
    const c = check({ check: 'GatewayAndRoutesMustBeAccepted', parent: { namespace: ns, name: 'gw', kind: 'Gateway' }, routeKind: 'HTTPRoute', routes: [{ namespace: ns, name: 'r' }], expect: { gatewayHasAddress: true, routeParentCondition: { type: 'Accepted', status: 'True', reason: 'Accepted' }, allListenersConditions: [ok, { type: 'Programmed', status: 'True' }] } });
    server.objects = [gateway({ listeners: [listenerOk] }), route([parent({})])];
    await runStatusCheck(c, env());
    server.objects = [gateway({ addresses: [{ value: '127.0.100.1' }], listeners: [listenerOk] }), route([parent({})])];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/must have an address/);
    server.objects = [gateway({ listeners: [listenerOk] }), route([parent({ controllerName: 'other' })])];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/no status.parents entry matches/);
    server.objects = [gateway({ listeners: [{ ...listenerOk, conditions: [cond('Accepted', 'True', 'Accepted')] }] }), route([parent({})])];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/listeners must have/);
  });

  it('RouteMustHaveParents ignores sectionName, allows extra parents, and needs the namespace only across namespaces', async () => {
    const expected = [{ parentRef: { name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: ns }, controllerName: '<suite controller name>', conditions: [ok] }];
    server.objects = [route([parent({ sectionName: 'other' }), parent({ name: 'extra' })])];
    await runStatusCheck(check({ check: 'RouteMustHaveParents', routeKind: 'HTTPRoute', route: { namespace: ns, name: 'r' }, parents: expected, namespaceRequired: false }), env());
    await expect(runStatusCheck(check({ check: 'RouteMustHaveParents', routeKind: 'HTTPRoute', route: { namespace: ns, name: 'r' }, parents: expected, namespaceRequired: true }), env())).rejects.toThrow(/no status.parents entry matches/);
    server.objects = [route([parent({ namespace: ns })])];
    await runStatusCheck(check({ check: 'RouteMustHaveParents', routeKind: 'HTTPRoute', route: { namespace: ns, name: 'r' }, parents: expected, namespaceRequired: true }), env());
  });

  it('RouteMustHaveCondition requires latest observedGeneration on every parent', async () => {
    const c = check({ check: 'RouteMustHaveCondition', routeKind: 'HTTPRoute', route: { namespace: ns, name: 'r' }, parentGateway: { namespace: ns, name: 'gw' }, condition: { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' } });
    server.objects = [route([parent({}), parent({ name: 'other', conditions: [cond('Accepted', 'True', 'Accepted', 1)] })], 2)];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/stale conditions/);
    server.objects = [route([parent({})])];
    await runStatusCheck(c, env());
  });

  it('RouteMustHaveNoAcceptedParents looks twice at an empty list, or wants one parent not accepted', async () => {
    const c = check({ check: 'RouteMustHaveNoAcceptedParents', routeKind: 'HTTPRoute', route: { namespace: ns, name: 'r' } });
    server.objects = [route([])];
    const before = server.reads;
    await runStatusCheck(c, env(0.1));
    expect(server.reads - before).toBe(2);
    server.objects = [route([parent({ conditions: [cond('Accepted', 'False', 'NotAllowedByListeners')] })])];
    await runStatusCheck(c, env(0.1));
    server.objects = [route([parent({})])];
    await expect(runStatusCheck(c, env(0.05))).rejects.toThrow(/must have no accepted parents/);
  });

  it('BackendTLSPolicyMustHaveCondition finds the ancestor by name', async () => {
    const policy = (conds: unknown[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: ns, generation: 1 }, spec: {}, status: { ancestors: [{ ancestorRef: { name: 'gw', namespace: ns }, controllerName: CONTROLLER, conditions: conds }] } });
    const c = check({ check: 'BackendTLSPolicyMustHaveCondition', policy: { namespace: ns, name: 'p' }, ancestorGateway: { namespace: ns, name: 'gw' }, condition: { type: 'ResolvedRefs', status: 'False', reason: 'InvalidCACertificateRef' } });
    server.objects = [policy([cond('ResolvedRefs', 'False', 'InvalidCACertificateRef')])];
    await runStatusCheck(c, env());
    server.objects = [policy([cond('ResolvedRefs', 'True', 'ResolvedRefs')])];
    await expect(runStatusCheck(c, env())).rejects.toThrow(/ancestors: .*\/gw: ResolvedRefs=True/);
  });
});

describe('unknown checks', () => {
  it('is an error naming the check', async () => {
    await expect(runStatusCheck(check({ check: 'Nope' }), env())).rejects.toThrow(/status check Nope is not known/);
  });
});
