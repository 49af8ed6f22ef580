import type { KubeObject } from '../manifests/yaml-docs.js';
import type { StatusObject, StatusSnapshot } from '../portway/status-client.js';
import type { ExpectedCondition, ObjectRef, StatusCheck } from '../suite/types.js';
import type { Timeouts } from '../util/timeouts.js';
import { DEFAULT_POLL_INTERVAL } from '../util/timeouts.js';
import { asConditions, conditionsMatch, describeConditions, describeExpected, findCondition, staleConditions, type Condition } from './conditions.js';
import { CheckFailure, pollStatus, type StatusReader, type Verdict } from './poll.js';
import { checkCount, parseCountExpectation } from './prose-expect.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const SKIP_READINESS = 'gateway-api/skip-this-for-readiness';

/** What a status check can read besides `/status`. */
export interface CheckEnv {
  readStatus: StatusReader;
  timeouts: Timeouts;
  /** The GatewayClass under test's controllerName. */
  controllerName: string;
  /** Generations remembered by RecordGeneration ("as" + object). */
  generations: Map<string, number>;
  /** Number of running pods in a namespace (NamespacesMustBeReady). */
  podCount(namespace: string): number;
  /** The runner's own copy of an object (what was applied). */
  manifest(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Address pools substituted into GatewayStaticAddresses. */
  usableAddresses: readonly string[];
  unusableAddresses: readonly string[];
  /** Progress messages (go to the trace). */
  log(message: string): void;
  /** Poll interval for status (ms). */
  pollIntervalMs?: number;
}

/** Checks whose failure does not stop the test (upstream t.Errorf instead of require). */
export const NON_FATAL_CHECKS: ReadonlySet<string> = new Set(['GatewayMustHaveZeroRoutes', 'GatewayMustHaveAttachedListeners']);

type CheckFn = (c: StatusCheck, env: CheckEnv) => Promise<void>;

/**
 * Runs one status check (SEMANTICS.md §5) against Portway's `/status`, polling at the upstream
 * interval until it passes or its upstream timeout (scaled) elapses. Throws CheckFailure.
 */
export async function runStatusCheck(c: StatusCheck, env: CheckEnv): Promise<void> {
  const fn = CHECKS[c.check];
  if (!fn) throw new CheckFailure(`status check ${c.check} is not known to this runner`);
  try {
    await fn(c, env);
  } catch (e) {
    if (e instanceof CheckFailure) throw new CheckFailure(e.message, e.fatal && !NON_FATAL_CHECKS.has(c.check));
    throw e;
  }
}

/** The names of every status check the runner implements. */
export function knownChecks(): string[] {
  return Object.keys(CHECKS);
}

const CHECKS: Record<string, CheckFn> = {
  NamespacesMustBeReady: async (c, env) => {
    const namespaces = strings(c['namespaces']);
    await poll(env, `NamespacesMustBeReady ${namespaces.join(', ')}`, env.timeouts.ms('NamespacesMustBeReady'), (s) => {
      for (const ns of namespaces) {
        for (const gw of s.list('Gateway', ns)) {
          if (gw.metadata.annotations?.[SKIP_READINESS] === 'true') continue;
          const conds = conditionsOf(gw);
          const stale = staleConditions(gw.metadata.generation, conds);
          if (stale.length > 0) return `Gateway ${ns}/${gw.metadata.name}: stale conditions ${describeConditions(stale)} (generation ${gw.metadata.generation})`;
          for (const t of ['Accepted', 'Programmed']) {
            if (!findCondition(conds, { type: t, status: 'True' })) return `Gateway ${ns}/${gw.metadata.name}: no ${t}=True (${describeConditions(conds)})`;
          }
        }
        if (env.podCount(ns) === 0) return `no Pod runs in namespace ${ns}`;
      }
      return true;
    });
  },

  GatewayAndRoutesMustBeAccepted: (c, env) => parentAndRoutesAccepted(c, env, true),
  RoutesAndParentMustBeAccepted: (c, env) => parentAndRoutesAccepted(c, env, true),
  GatewayAndTLSRoutesMustBeAccepted: (c, env) => parentAndRoutesAccepted(c, env, false),

  RouteMustHaveParents: async (c, env) => {
    const route = ref(c['route']);
    const kind = str(c['routeKind']) || 'HTTPRoute';
    const parents = (c['parents'] as ExpectedParent[] | undefined) ?? [];
    await routeMustHaveParents(env, kind, route, parents, Boolean(c['namespaceRequired']));
  },

  RouteMustHaveCondition: async (c, env) => {
    const kind = str(c['routeKind']) || 'HTTPRoute';
    const route = ref(c['route']);
    const gw = ref(c['parentGateway']);
    const cond = c['condition'] as ExpectedCondition;
    await poll(env, `${kind} ${id(route)} must have ${describeExpected(cond)} for parent ${id(gw)}`, env.timeouts.ms('RouteMustHaveCondition'), (s) => {
      const r = s.get(kind, route.namespace, route.name);
      if (!r) return `${kind} ${id(route)} not found`;
      const parents = routeParents(r);
      for (const p of parents) {
        const stale = staleConditions(r.metadata.generation, asConditions(p.conditions));
        if (stale.length > 0) return `parent ${p.parentRef?.name}: stale conditions ${describeConditions(stale)} (generation ${r.metadata.generation})`;
      }
      const found = parents.some(
        (p) => p.parentRef?.name === gw.name && (p.parentRef.namespace === undefined || p.parentRef.namespace === gw.namespace) && findCondition(asConditions(p.conditions), cond),
      );
      return found || `parents: ${describeParents(parents)}`;
    });
  },

  RouteMustHaveNoAcceptedParents: async (c, env) => {
    const kind = str(c['routeKind']) || 'HTTPRoute';
    const route = ref(c['route']);
    let emptyChecked = false;
    await pollStatus(env.readStatus, `${kind} ${id(route)} must have no accepted parents`, env.timeouts.ms('HTTPRouteMustNotHaveParents'), 1000, (s) => {
      const r = s.get(kind, route.namespace, route.name);
      if (!r) return `${kind} ${id(route)} not found`;
      const parents = routeParents(r);
      if (parents.length === 0) {
        // Upstream looks twice, a poll interval apart, to tell "not set" from "not set yet".
        if (!emptyChecked) {
          emptyChecked = true;
          return 'no parents yet (checking again)';
        }
        return true;
      }
      if (parents.length > 1) return `${parents.length} parents: ${describeParents(parents)}`;
      return conditionsMatch([{ type: 'Accepted', status: 'False' }], asConditions(parents[0]!.conditions)) || `parent: ${describeParents(parents)}`;
    });
  },

  HTTPRouteMustHaveLatestConditions: async (c, env) => {
    const kind = str(c['routeKind']) || 'HTTPRoute';
    const route = ref(c['route']);
    await poll(env, `${kind} ${id(route)} conditions at latest observedGeneration`, env.timeouts.ms('LatestObservedGenerationSet'), (s) => {
      const r = s.get(kind, route.namespace, route.name);
      if (!r) return `${kind} ${id(route)} not found`;
      for (const p of routeParents(r)) {
        const stale = staleConditions(r.metadata.generation, asConditions(p.conditions));
        if (stale.length > 0) return `parent ${p.parentRef?.name}: stale ${describeConditions(stale)} (generation ${r.metadata.generation})`;
      }
      return true;
    });
  },

  GatewayMustHaveCondition: async (c, env) => {
    const gw = ref(c['gateway']);
    const cond = c['condition'] as ExpectedCondition;
    await poll(env, `Gateway ${id(gw)} must have ${describeExpected(cond)}`, env.timeouts.ms('GatewayMustHaveCondition'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      if (!g) return `Gateway ${id(gw)} not found`;
      const conds = conditionsOf(g);
      const stale = staleConditions(g.metadata.generation, conds);
      // Upstream quirk: a stale condition ends the check at once (the poll function returns an error).
      if (stale.length > 0) return { fatal: `stale conditions ${describeConditions(stale)} (generation ${g.metadata.generation})` };
      return findCondition(conds, cond) || `conditions: ${describeConditions(conds)}`;
    });
  },

  GatewayMustHaveLatestConditions: async (c, env) => {
    const gw = ref(c['gateway']);
    await poll(env, `Gateway ${id(gw)} conditions at latest observedGeneration`, env.timeouts.ms('LatestObservedGenerationSet'), (s) => latestConditions(s.get('Gateway', gw.namespace, gw.name), `Gateway ${id(gw)}`));
  },

  GatewayStatusMustHaveListeners: async (c, env) => {
    const gw = ref(c['gateway']);
    const expected = (c['listeners'] as ExpectedListener[] | undefined) ?? [];
    await poll(env, `Gateway ${id(gw)} status.listeners`, env.timeouts.ms('GatewayStatusMustHaveListeners'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      const latest = latestConditions(g, `Gateway ${id(gw)}`);
      if (latest !== true) return latest;
      return listenersMatch(expected, listenerStatuses(g!));
    });
  },

  ListenerSetStatusMustHaveListeners: async (c, env) => {
    const ls = ref(c['listenerSet']);
    const expected = (c['listeners'] as ExpectedListener[] | undefined) ?? [];
    await poll(env, `ListenerSet ${id(ls)} status.listeners`, env.timeouts.ms('GatewayStatusMustHaveListeners'), (s) => {
      const o = s.get('ListenerSet', ls.namespace, ls.name);
      const latest = latestConditions(o, `ListenerSet ${id(ls)}`);
      if (latest !== true) return latest;
      return listenersMatch(expected, listenerStatuses(o!));
    });
  },

  GatewayListenersMustHaveConditions: async (c, env) => {
    const gw = ref(c['gateway']);
    const conds = (c['conditions'] as ExpectedCondition[] | undefined) ?? [];
    const names = c['listenerNames'] === undefined ? undefined : strings(c['listenerNames']);
    await poll(env, `Gateway ${id(gw)} listeners must have ${conds.map(describeExpected).join(', ')}`, env.timeouts.ms('GatewayListenersMustHaveConditions'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      if (!g) return `Gateway ${id(gw)} not found`;
      return listenersHaveConditions(listenerStatuses(g), conds, names);
    });
  },

  GatewayListenerMustHaveConditions: async (c, env) => {
    const gw = ref(c['gateway']);
    const conds = (c['conditions'] as ExpectedCondition[] | undefined) ?? [];
    const name = str(c['listener']);
    await poll(env, `Gateway ${id(gw)} listener ${name} must have ${conds.map(describeExpected).join(', ')}`, env.timeouts.ms('GatewayListenersMustHaveConditions'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      if (!g) return `Gateway ${id(gw)} not found`;
      return listenersHaveConditions(listenerStatuses(g), conds, [name]);
    });
  },

  GatewayMustHaveZeroRoutes: async (c, env) => {
    const gw = ref(c['gateway']);
    await poll(env, `Gateway ${id(gw)} must have zero routes`, env.timeouts.ms('GatewayStatusMustHaveListeners'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      const latest = latestConditions(g, `Gateway ${id(gw)}`);
      if (latest !== true) return latest;
      const ls = listenerStatuses(g!);
      if (ls.length === 0) return true;
      if (ls.length === 1 && (ls[0]!.attachedRoutes ?? 0) === 0) return true;
      return `listeners: ${ls.map((l) => `${l.name} attachedRoutes=${l.attachedRoutes}`).join(', ')}; want none or exactly one with zero routes`;
    });
  },

  GatewayMustHaveAttachedListeners: async (c, env) => {
    const gw = ref(c['gateway']);
    const want = Number(c['attachedListenerSets'] ?? 0);
    await poll(env, `Gateway ${id(gw)} must have attachedListenerSets=${want}`, env.timeouts.ms('GatewayStatusMustHaveListeners'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      const latest = latestConditions(g, `Gateway ${id(gw)}`);
      if (latest !== true) return latest;
      const got = Number((g!.status?.['attachedListenerSets'] as number | undefined) ?? 0);
      return got === want || `status.attachedListenerSets is ${got}`;
    });
  },

  WaitForGatewayAddress: async (c, env) => {
    const gw = ref(c['gateway']);
    await waitForAddress(env, gw);
  },

  GatewayClassMustHaveAcceptedCondition: async (c, env) => {
    const gc = ref(c['gatewayClass']);
    const status = str(c['status']);
    await poll(env, `GatewayClass ${gc.name} must have Accepted`, env.timeouts.ms('GWCMustBeAccepted'), (s) => {
      const o = s.get('GatewayClass', undefined, gc.name);
      const latest = latestConditions(o, `GatewayClass ${gc.name}`);
      if (latest !== true) return latest;
      const conds = conditionsOf(o!);
      return findCondition(conds, { type: 'Accepted', status: status === 'any' ? '' : status }) || `conditions: ${describeConditions(conds)}`;
    });
  },

  GatewayClassMustHaveLatestConditions: async (c, env) => {
    const gc = ref(c['gatewayClass']);
    await poll(env, `GatewayClass ${gc.name} conditions at latest observedGeneration`, env.timeouts.ms('LatestObservedGenerationSet'), (s) =>
      latestConditions(s.get('GatewayClass', undefined, gc.name), `GatewayClass ${gc.name}`),
    );
  },

  BackendTLSPolicyMustHaveCondition: async (c, env) => {
    const p = ref(c['policy']);
    const gw = ref(c['ancestorGateway']);
    const cond = c['condition'] as ExpectedCondition;
    await poll(env, `BackendTLSPolicy ${id(p)} must have ${describeExpected(cond)} for ancestor ${id(gw)}`, env.timeouts.ms('RouteMustHaveCondition'), (s) => {
      const o = s.get('BackendTLSPolicy', p.namespace, p.name);
      if (!o) return `BackendTLSPolicy ${id(p)} not found`;
      const ancestors = policyAncestors(o);
      for (const a of ancestors) {
        const stale = staleConditions(o.metadata.generation, asConditions(a.conditions));
        if (stale.length > 0) return `ancestor ${a.ancestorRef?.name}: stale ${describeConditions(stale)} (generation ${o.metadata.generation})`;
      }
      const found = ancestors.some(
        (a) => a.ancestorRef?.name === gw.name && (a.ancestorRef.namespace === undefined || a.ancestorRef.namespace === gw.namespace) && findCondition(asConditions(a.conditions), cond),
      );
      return found || `ancestors: ${ancestors.map((a) => `${a.ancestorRef?.namespace ?? ''}/${a.ancestorRef?.name}: ${describeConditions(asConditions(a.conditions))}`).join('; ') || '(none)'}`;
    });
  },

  BackendTLSPolicyMustHaveLatestConditions: async (c, env) => {
    const p = ref(c['policy']);
    const timeout = c['oneShot'] ? 0 : env.timeouts.ms('LatestObservedGenerationSet');
    await poll(env, `BackendTLSPolicy ${id(p)} conditions at latest observedGeneration`, timeout, (s) => {
      const o = s.get('BackendTLSPolicy', p.namespace, p.name);
      if (!o) return `BackendTLSPolicy ${id(p)} not found`;
      for (const a of policyAncestors(o)) {
        const stale = staleConditions(o.metadata.generation, asConditions(a.conditions));
        if (stale.length > 0) return `ancestor ${a.ancestorRef?.name}: stale ${describeConditions(stale)} (generation ${o.metadata.generation})`;
      }
      return true;
    });
  },

  ListenerSetMustHaveCondition: async (c, env) => {
    const ls = ref(c['listenerSet']);
    const cond = c['condition'] as ExpectedCondition;
    await poll(env, `ListenerSet ${id(ls)} must have ${describeExpected(cond)}`, env.timeouts.ms('ListenerSetMustHaveCondition'), (s) => {
      const o = s.get('ListenerSet', ls.namespace, ls.name);
      const latest = latestConditions(o, `ListenerSet ${id(ls)}`);
      if (latest !== true) return latest;
      const conds = conditionsOf(o!);
      return findCondition(conds, cond) || `conditions: ${describeConditions(conds)}`;
    });
  },

  ListenerSetListenersMustHaveConditions: async (c, env) => {
    const ls = ref(c['listenerSet']);
    const conds = (c['conditions'] as ExpectedCondition[] | undefined) ?? [];
    const names = c['listenerNames'] === undefined ? undefined : strings(c['listenerNames']);
    await poll(env, `ListenerSet ${id(ls)} listeners must have ${conds.map(describeExpected).join(', ')}`, env.timeouts.ms('ListenerSetListenersMustHaveConditions'), (s) => {
      const o = s.get('ListenerSet', ls.namespace, ls.name);
      const latest = latestConditions(o, `ListenerSet ${id(ls)}`);
      if (latest !== true) return latest;
      return listenersHaveConditions(listenerStatuses(o!), conds, names);
    });
  },

  RecordGeneration: async (c, env) => {
    const o = ref(c['object']);
    const kind = o.kind ?? 'Gateway';
    const count = parseCountExpectation(str(c['expect']));
    const snap = await poll(env, `record generation of ${kind} ${id(o)}`, env.timeouts.ms('CreateTimeout'), (s) => {
      const obj = s.get(kind, o.namespace, o.name);
      if (!obj) return `${kind} ${id(o)} not found`;
      if (obj.metadata.generation === undefined) return `${kind} ${id(o)} has no metadata.generation`;
      return true;
    });
    const obj = snap.get(kind, o.namespace, o.name)!;
    if (count) {
      const why = checkCount(obj, count);
      if (why) throw new CheckFailure(`${kind} ${id(o)}: ${why}`);
    }
    env.generations.set(generationKey(str(c['as']) || 'original', kind, o), obj.metadata.generation!);
    env.log(`recorded generation ${obj.metadata.generation} of ${kind} ${id(o)}`);
  },

  GenerationChanged: async (c, env) => {
    const o = ref(c['object']);
    const kind = o.kind ?? 'Gateway';
    const before = env.generations.get(generationKey('original', kind, o));
    if (before === undefined) throw new CheckFailure(`GenerationChanged: no generation of ${kind} ${id(o)} was recorded`);
    await poll(env, `generation of ${kind} ${id(o)} must change from ${before}`, env.timeouts.ms('LatestObservedGenerationSet'), (s) => {
      const obj = s.get(kind, o.namespace, o.name);
      if (!obj) return `${kind} ${id(o)} not found`;
      return obj.metadata.generation !== before || `metadata.generation is still ${before}`;
    });
  },

  TLSRouteHostnamesCount: (c, env) => countCheck(c, env, str(c['routeKind']) || 'TLSRoute', ref(c['route'])),
  GatewaySpecAddressCount: (c, env) => countCheck(c, env, 'Gateway', ref(c['gateway'])),

  GatewayStatusAddresses: async (c, env) => {
    const gw = ref(c['gateway']);
    const manifest = env.manifest('Gateway', gw.namespace, gw.name);
    const specAddresses = ((manifest?.['spec'] as Record<string, unknown> | undefined)?.['addresses'] as { type?: string; value?: string }[] | undefined) ?? [];
    const usable = new Set(env.usableAddresses);
    const unusable = new Set(env.unusableAddresses);
    const invalid = new Set(specAddresses.map((a) => a.value ?? '').filter((v) => v !== '' && !usable.has(v) && !unusable.has(v)));
    await poll(env, `Gateway ${id(gw)} status.addresses`, env.timeouts.ms('GatewayMustHaveAddress'), (s) => {
      const g = s.get('Gateway', gw.namespace, gw.name);
      if (!g) return `Gateway ${id(gw)} not found`;
      const addrs = (g.status?.['addresses'] as { type?: string; value?: string }[] | undefined) ?? [];
      if (addrs.length !== 1) return `status.addresses has ${addrs.length} entries (${JSON.stringify(addrs)}), expected 1`;
      for (const a of addrs) {
        if (unusable.has(a.value ?? '') || invalid.has(a.value ?? '')) return `status.addresses contains ${a.value}, which is not usable`;
      }
      const hit = addrs.find((a) => usable.has(a.value ?? ''));
      if (!hit) return `status.addresses ${JSON.stringify(addrs)} does not contain a usable address (${[...usable].join(', ')})`;
      const specEntry = (((g.spec?.['addresses'] as { type?: string; value?: string }[] | undefined) ?? specAddresses).find((a) => a.value === hit.value)) ?? {};
      const specType = specEntry.type ?? 'IPAddress';
      return (hit.type ?? 'IPAddress') === specType || `status address ${hit.value} has type ${hit.type}, spec has ${specType}`;
    });
  },

  GeneratedInfrastructureMetadata: async () => {
    throw new CheckFailure('GeneratedInfrastructureMetadata inspects Kubernetes ServiceAccounts/Pods/Services, which Portway in standalone mode does not create');
  },
};

// ---------------------------------------------------------------------------------------------

interface ExpectedParent {
  parentRef: { group?: string; kind?: string; name: string; namespace?: string; sectionName?: string };
  controllerName?: string;
  conditions?: ExpectedCondition[];
}

interface ExpectedListener {
  name: string;
  supportedKinds?: { group?: string; kind: string }[];
  attachedRoutes?: number;
  conditions?: ExpectedCondition[];
}

interface RouteParentStatus {
  parentRef?: { group?: string; kind?: string; name?: string; namespace?: string; sectionName?: string; port?: number };
  controllerName?: string;
  conditions?: Condition[];
}

interface ListenerStatus {
  name?: string;
  supportedKinds?: { group?: string; kind?: string }[];
  attachedRoutes?: number;
  conditions?: Condition[];
}

async function poll(env: CheckEnv, label: string, timeoutMs: number, evaluate: (s: StatusSnapshot) => Verdict): Promise<StatusSnapshot> {
  return pollStatus(env.readStatus, label, timeoutMs, env.pollIntervalMs ?? DEFAULT_POLL_INTERVAL, evaluate);
}

/** Waits for a Gateway address (first status.addresses[] entry with a type) with conditions at latest observedGeneration. */
async function waitForAddress(env: CheckEnv, gw: ObjectRef): Promise<void> {
  await poll(env, `Gateway ${id(gw)} must have an address`, env.timeouts.ms('GatewayMustHaveAddress'), (s) => {
    const g = s.get('Gateway', gw.namespace, gw.name);
    const latest = latestConditions(g, `Gateway ${id(gw)}`);
    if (latest !== true) return latest;
    const addrs = (g!.status?.['addresses'] as { type?: string; value?: string }[] | undefined) ?? [];
    return addrs.some((a) => a.type) || `status.addresses is ${JSON.stringify(addrs)}`;
  });
}

/** GatewayAndRoutesMustBeAccepted / RoutesAndParentMustBeAccepted / GatewayAndTLSRoutesMustBeAccepted. */
async function parentAndRoutesAccepted(c: StatusCheck, env: CheckEnv, checkListeners: boolean): Promise<void> {
  const parent = c['parent'] as ObjectRef & { listeners?: string[] };
  const kind = parent.kind ?? 'Gateway';
  const expect = (c['expect'] ?? {}) as { gatewayHasAddress?: boolean; routeParentCondition?: ExpectedCondition; allListenersConditions?: ExpectedCondition[] | null };
  const routeKind = str(c['routeKind']) || 'HTTPRoute';
  if (kind === 'Gateway' && expect.gatewayHasAddress !== false) await waitForAddress(env, parent);
  const routeCond = expect.routeParentCondition ?? { type: 'Accepted', status: 'True', reason: 'Accepted' };
  const listenerNames = parent.listeners && parent.listeners.length > 0 ? parent.listeners : [''];
  for (const r of (c['routes'] as ObjectRef[] | undefined) ?? []) {
    const parents: ExpectedParent[] = listenerNames.map((l) => ({
      parentRef: { group: GATEWAY_GROUP, kind, name: parent.name, namespace: parent.namespace, ...(l ? { sectionName: l } : {}) },
      controllerName: env.controllerName,
      conditions: [routeCond],
    }));
    await routeMustHaveParents(env, routeKind, r, parents, (r.namespace ?? '') !== (parent.namespace ?? ''));
  }
  const listenerConds = expect.allListenersConditions;
  if (!checkListeners || !listenerConds || listenerConds.length === 0) return;
  await poll(env, `${kind} ${id(parent)} listeners must have ${listenerConds.map(describeExpected).join(', ')}`, env.timeouts.ms('GatewayListenersMustHaveConditions'), (s) => {
    const o = s.get(kind, parent.namespace, parent.name);
    if (!o) return `${kind} ${id(parent)} not found`;
    if (kind === 'ListenerSet') {
      const latest = latestConditions(o, `ListenerSet ${id(parent)}`);
      if (latest !== true) return latest;
    }
    return listenersHaveConditions(listenerStatuses(o), listenerConds, undefined);
  });
}

/**
 * Upstream RouteMustHaveParents (as SEMANTICS.md states it): each expected parent has an actual
 * entry with the same controllerName, explicit equal group and kind, the same name, a namespace
 * that is equal (or unset, when not required) and at least the expected conditions. sectionName
 * and port are not compared; extra actual parents are allowed.
 */
async function routeMustHaveParents(env: CheckEnv, kind: string, route: ObjectRef, expected: ExpectedParent[], namespaceRequired: boolean): Promise<void> {
  await poll(env, `${kind} ${id(route)} must have parents ${expected.map((p) => `${p.parentRef.kind}/${p.parentRef.name}`).join(', ')}`, env.timeouts.ms('RouteMustHaveParents'), (s) => {
    const r = s.get(kind, route.namespace, route.name);
    if (!r) return `${kind} ${id(route)} not found`;
    const actual = routeParents(r);
    for (const e of expected) {
      const ok = actual.some((a) => parentMatches(e, a, env.controllerName, namespaceRequired));
      if (!ok) return `no status.parents entry matches ${e.parentRef.kind}/${e.parentRef.namespace ?? ''}/${e.parentRef.name} with ${(e.conditions ?? []).map(describeExpected).join(', ')}; parents: ${describeParents(actual)}`;
    }
    return true;
  });
}

function parentMatches(e: ExpectedParent, a: RouteParentStatus, controllerName: string, namespaceRequired: boolean): boolean {
  // The data writes the controller name as a placeholder: it is always the class under test's.
  if (a.controllerName !== controllerName) return false;
  const ar = a.parentRef;
  if (!ar) return false;
  if (ar.group === undefined || ar.group !== (e.parentRef.group ?? GATEWAY_GROUP)) return false;
  if (ar.kind === undefined || ar.kind !== (e.parentRef.kind ?? 'Gateway')) return false;
  if (ar.name !== e.parentRef.name) return false;
  if (ar.namespace !== e.parentRef.namespace) {
    if (namespaceRequired || ar.namespace !== undefined) return false;
  }
  return conditionsMatch(e.conditions ?? [], asConditions(a.conditions));
}

/** Upstream listenersMatch as SEMANTICS.md states it (listeners matched by name). */
export function listenersMatch(expected: readonly ExpectedListener[], actual: readonly ListenerStatus[]): Verdict {
  if (expected.length !== actual.length) return `${actual.length} listeners in status (${actual.map((l) => l.name).join(', ') || 'none'}), expected ${expected.length}`;
  for (const e of expected) {
    const a = actual.find((l) => l.name === e.name);
    if (!a) return `no listener ${e.name} in status`;
    const kinds = e.supportedKinds ?? [];
    const actualKinds = a.supportedKinds ?? [];
    if (kinds.length === 0 && actualKinds.length > 0) return `listener ${e.name}: supportedKinds ${JSON.stringify(actualKinds)}, expected none`;
    for (const k of kinds) {
      const group = k.group ?? GATEWAY_GROUP;
      if (!actualKinds.some((ak) => (ak.group ?? GATEWAY_GROUP) === group && ak.kind === k.kind)) return `listener ${e.name}: supportedKinds ${JSON.stringify(actualKinds)} lacks ${group}/${k.kind}`;
    }
    if ((a.attachedRoutes ?? 0) !== (e.attachedRoutes ?? 0)) return `listener ${e.name}: attachedRoutes ${a.attachedRoutes ?? 0}, expected ${e.attachedRoutes ?? 0}`;
    if (!conditionsMatch(e.conditions ?? [], asConditions(a.conditions)))
      return `listener ${e.name}: conditions ${describeConditions(asConditions(a.conditions))}, expected ${(e.conditions ?? []).map(describeExpected).join(', ')}`;
  }
  return true;
}

function listenersHaveConditions(listeners: readonly ListenerStatus[], conds: readonly ExpectedCondition[], names: readonly string[] | undefined): Verdict {
  const chosen = names ? names.map((n) => [n, listeners.find((l) => l.name === n)] as const) : listeners.map((l) => [l.name ?? '', l] as const);
  for (const [n, l] of chosen) {
    if (!l) return `no listener ${n} in status (${listeners.map((x) => x.name).join(', ') || 'none'})`;
    const actual = asConditions(l.conditions);
    if (!conditionsMatch(conds, actual)) return `listener ${n}: ${describeConditions(actual)}`;
  }
  return true;
}

function latestConditions(o: StatusObject | undefined, what: string): Verdict {
  if (!o) return `${what} not found`;
  const stale = staleConditions(o.metadata.generation, conditionsOf(o));
  return stale.length === 0 || `${what}: stale conditions ${describeConditions(stale)} (generation ${o.metadata.generation})`;
}

async function countCheck(c: StatusCheck, env: CheckEnv, kind: string, o: ObjectRef): Promise<void> {
  const count = parseCountExpectation(str(c['expect']));
  if (!count) throw new CheckFailure(`${c.check}: cannot read a count from ${JSON.stringify(c['expect'])}`);
  await poll(env, `${kind} ${id(o)}: ${count.path} must have ${count.count} entries`, env.timeouts.ms('CreateTimeout'), (s) => {
    const obj = s.get(kind, o.namespace, o.name);
    if (!obj) return `${kind} ${id(o)} not found`;
    const why = checkCount(obj, count);
    return why === undefined ? true : { fatal: why };
  });
}

function conditionsOf(o: StatusObject): Condition[] {
  return asConditions(o.status?.['conditions']);
}

function listenerStatuses(o: StatusObject): ListenerStatus[] {
  const l = o.status?.['listeners'];
  return Array.isArray(l) ? (l as ListenerStatus[]) : [];
}

function routeParents(o: StatusObject): RouteParentStatus[] {
  const p = o.status?.['parents'];
  return Array.isArray(p) ? (p as RouteParentStatus[]) : [];
}

function policyAncestors(o: StatusObject): { ancestorRef?: { name?: string; namespace?: string }; conditions?: Condition[] }[] {
  const a = o.status?.['ancestors'];
  return Array.isArray(a) ? (a as { ancestorRef?: { name?: string; namespace?: string }; conditions?: Condition[] }[]) : [];
}

function describeParents(parents: readonly RouteParentStatus[]): string {
  if (parents.length === 0) return '(none)';
  return parents
    .map((p) => `${p.parentRef?.kind ?? '?'}/${p.parentRef?.namespace ?? ''}/${p.parentRef?.name}${p.parentRef?.sectionName ? `#${p.parentRef.sectionName}` : ''} [${p.controllerName}] ${describeConditions(asConditions(p.conditions))}`)
    .join('; ');
}

function generationKey(as: string, kind: string, o: ObjectRef): string {
  return `${as}:${kind}:${o.namespace ?? ''}/${o.name}`;
}

function ref(v: unknown): ObjectRef {
  if (typeof v !== 'object' || v === null || typeof (v as ObjectRef).name !== 'string') throw new CheckFailure(`malformed object reference ${JSON.stringify(v)}`);
  return v as ObjectRef;
}

function id(r: ObjectRef): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
