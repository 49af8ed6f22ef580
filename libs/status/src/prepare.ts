import type { Condition, Graph, ListenerNode, RouteNode } from '@portway/graph';
import * as cond from '@portway/graph';

/** A condition as written to status. */
export interface StatusCondition extends Condition {
  observedGeneration: number;
  lastTransitionTime: string;
}

/** What the data plane reports for one Gateway (from the lifecycle actors). */
export interface GatewayProgrammedInput {
  /** The Gateway's Programmed condition, already decided (Pending while agents have not acked). */
  condition: Condition;
  /** Per listener key: whether agents serve it, or why not. */
  listeners: Record<string, { programmed: boolean; reason?: string; message?: string }>;
}

export interface PrepareStatusInput {
  graph: Graph;
  controllerName: string;
  /** `status.supportedFeatures` of Portway's GatewayClasses (from the feature registry). */
  supportedFeatures: readonly string[];
  /** Addresses assigned per Gateway key, and the Gateways that could not get one. */
  addresses: Readonly<Record<string, readonly string[]>>;
  addressProblems: Readonly<Record<string, Condition>>;
  /** Programmed state per Gateway key; a Gateway absent here is Pending. */
  programmed: Readonly<Record<string, GatewayProgrammedInput>>;
  /** Current status of each object, by "Kind/namespace/name", to keep lastTransitionTime and foreign route parents. */
  previous: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;
  /** RFC 3339 time used for conditions whose status changed. */
  now: string;
  /**
   * True when `previous` holds, for routes, exactly the statuses a {@link StatusPreparer}'s last
   * call returned (as a status store that stored them does). The preparer then trusts its own
   * memory instead of looking each route up in `previous`, and a call with the same graph as the
   * last one (a new data-plane outcome, no change of the objects) returns the route statuses of
   * the last call without visiting the routes. Ignored by `prepareStatus`.
   */
  previousIsLastOutput?: boolean;
}

/** The status Portway wants an object to have. */
export interface StatusUpdate {
  kind: string;
  namespace?: string;
  name: string;
  status: Record<string, unknown>;
}

export const statusKey = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

/**
 * Computes the status of every object Portway manages, without side effects:
 * graph conditions + programmed state → conditions stamped with the object's current
 * `observedGeneration` (all at once, so no condition lags a generation behind) and a
 * `lastTransitionTime` that only moves when a condition's status changes.
 */
export function prepareStatus(input: PrepareStatusInput): StatusUpdate[] {
  return new StatusPreparer().prepare(input);
}

/** A route's status as prepared last time (and its key), and the last walk of the routes that returned it. */
interface RouteMemo {
  readonly key: string;
  readonly update: StatusUpdate;
  walk: number;
}

/**
 * Prepares status build after build, reusing the status of every route whose node is the same
 * (a `GraphBuilder` keeps the nodes of unchanged routes) while its current status is the one
 * prepared last time: then nothing in it can differ (conditions, generation and transition
 * times are the same). The result equals `prepareStatus`'s; reused statuses are the same objects,
 * which lets a status store skip comparing them. With `previousIsLastOutput`, a call after an
 * edit costs a lookup per route, and a call with the same graph (an agent's ack) none.
 */
export class StatusPreparer {
  private readonly routes = new WeakMap<RouteNode, RouteMemo>();
  /** Walks of the routes so far (calls with the graph of the call before them reuse its walk). */
  private walks = 0;
  /** The last call's graph and its route statuses, in order. */
  private last: { graph: Graph; routes: readonly StatusUpdate[] } | undefined;

  prepare(input: PrepareStatusInput): StatusUpdate[] {
    const { others, routes } = this.prepareParts(input);
    return [...others, ...routes];
  }

  /**
   * `prepare`'s statuses in two parts: everything but routes (prepared anew each time), and the
   * routes' — the very same array as the last call's when the graph is the same and `previous`
   * is the last output, which lets a status store skip the part whole.
   */
  prepareParts(input: PrepareStatusInput): { others: StatusUpdate[]; routes: readonly StatusUpdate[] } {
    const others = prepareNonRoutes(input);
    const own = input.previousIsLastOutput === true;
    // Same objects, and previous holds what the last call returned: route statuses cannot differ.
    if (own && this.last?.graph === input.graph) return { others, routes: this.last.routes };
    const walk = ++this.walks;
    const routes: StatusUpdate[] = [];
    for (const r of input.graph.routes) {
      const memo = this.routes.get(r);
      // The memo holds what previous holds: the last call returned it and previous is that output, or previous says so.
      if (memo !== undefined && (own ? memo.walk === walk - 1 : previousByKey(input.previous, memo.key) === memo.update.status)) {
        memo.walk = walk;
        routes.push(memo.update);
        continue;
      }
      const update = routeStatus(input, r);
      this.routes.set(r, { key: statusKey(r.kind, r.source.metadata.namespace, r.source.metadata.name), update, walk });
      routes.push(update);
    }
    this.last = { graph: input.graph, routes };
    return { others, routes };
  }
}

/** Everything but routes (a few objects: prepared anew each time). */
function prepareNonRoutes(input: PrepareStatusInput): StatusUpdate[] {
  const out: StatusUpdate[] = [];
  const stamp = (kind: string, o: { metadata: { namespace?: string; name: string; generation?: number } }, conds: Condition[], previousConds?: unknown) =>
    stampConditions(conds, o.metadata.generation ?? 1, (previousConds as StatusCondition[] | undefined) ?? previousOf(input, kind, o)?.conditions, input.now);

  for (const gc of input.graph.gatewayClasses) {
    out.push({
      kind: 'GatewayClass',
      name: gc.source.metadata.name,
      status: {
        conditions: stamp('GatewayClass', gc.source, gc.conditions),
        ...(gc.accepted ? { supportedFeatures: input.supportedFeatures.map((name) => ({ name })) } : {}),
      },
    });
  }

  for (const gw of input.graph.gateways) {
    const prev = previousOf(input, 'Gateway', gw.source);
    const programmed = gatewayProgrammed(input, gw.key, gw.accepted);
    const listenerStatus = (l: ListenerNode, prevListeners: unknown) => ({
      name: l.name,
      supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
      attachedRoutes: l.attachedRoutes,
      conditions: stampConditions(
        [...l.conditions, listenerProgrammed(l, input.programmed[gw.key], gw.accepted)],
        gw.source.metadata.generation ?? 1,
        (prevListeners as { name: string; conditions: StatusCondition[] }[] | undefined)?.find((p) => p.name === l.name)?.conditions,
        input.now,
      ),
    });
    const addresses = input.addresses[gw.key] ?? [];
    out.push({
      kind: 'Gateway',
      namespace: gw.source.metadata.namespace,
      name: gw.source.metadata.name,
      status: {
        ...(addresses.length ? { addresses: addresses.map((value) => ({ type: addressType(value), value })) } : {}),
        conditions: stamp('Gateway', gw.source, [...gw.conditions, programmed], prev?.conditions),
        listeners: gw.listeners.filter((l) => l.owner.kind === 'Gateway').map((l) => listenerStatus(l, prev?.listeners)),
        ...(gw.source.spec.allowedListeners ? { attachedListenerSets: gw.attachedListenerSets.length } : {}),
      },
    });
  }

  for (const ls of input.graph.listenerSets) {
    const prev = previousOf(input, 'ListenerSet', ls.source);
    const gwProgrammed = ls.gateway ? input.programmed[ls.gateway] : undefined;
    const accepted = ls.conditions.find((c) => c.type === 'Accepted')!;
    const programmed =
      accepted.status !== 'True'
        ? { type: 'Programmed', status: 'False' as const, reason: accepted.reason, message: accepted.message }
        : gatewayProgrammed(input, ls.gateway!, true);
    out.push({
      kind: 'ListenerSet',
      namespace: ls.source.metadata.namespace,
      name: ls.source.metadata.name,
      status: {
        conditions: stamp('ListenerSet', ls.source, [...ls.conditions, programmed], prev?.conditions),
        listeners: ls.listeners.map((l) => ({
          name: l.name,
          supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
          attachedRoutes: l.attachedRoutes,
          conditions: stampConditions(
            [...l.conditions, listenerProgrammed(l, gwProgrammed, accepted.status === 'True')],
            ls.source.metadata.generation ?? 1,
            (prev?.listeners as { name: string; conditions: StatusCondition[] }[] | undefined)?.find((p) => p.name === l.name)?.conditions,
            input.now,
          ),
        })),
      },
    });
  }

  const policies = [
    ...input.graph.backendTLSPolicies.map((p) => ({ kind: 'BackendTLSPolicy', p })),
    ...input.graph.backendTrafficPolicies.map((p) => ({ kind: 'XBackendTrafficPolicy', p })),
    ...(input.graph.backendPolicies ?? []).map((p) => ({ kind: 'BackendPolicy', p })),
  ];
  for (const { kind, p } of policies) {
    const prev = previousOf(input, kind, p.source);
    const prevAncestors = (prev?.ancestors as AncestorStatus[] | undefined) ?? [];
    const ours: AncestorStatus[] = p.ancestors.map((gw) => {
      const [namespace, name] = gw.split('/') as [string, string];
      const ancestorRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace, name };
      const previousEntry = prevAncestors.find((a) => a.controllerName === input.controllerName && sameParentRef(a.ancestorRef, ancestorRef));
      return {
        ancestorRef,
        controllerName: input.controllerName,
        conditions: stampConditions(p.conditions, p.source.metadata.generation ?? 1, previousEntry?.conditions, input.now),
      };
    });
    const foreign = prevAncestors.filter((a) => a.controllerName !== input.controllerName);
    out.push({
      kind,
      namespace: p.source.metadata.namespace,
      name: p.source.metadata.name,
      // Portway's own BackendPolicy also carries its conditions at the top, so a bad target shows
      // even when no Gateway uses the policy (no ancestor).
      status: kind === 'BackendPolicy' ? { conditions: stamp(kind, p.source, p.conditions, prev?.conditions), ancestors: [...foreign, ...ours] } : { ancestors: [...foreign, ...ours] },
    });
  }

  return out;
}

function routeStatus(input: PrepareStatusInput, r: RouteNode): StatusUpdate {
  const prev = previousOf(input, r.kind, r.source);
  const prevParents = (prev?.parents as RouteParentStatus[] | undefined) ?? [];
  const ours: RouteParentStatus[] = r.parents.map((p) => {
    const parentRef = {
      group: p.ref.group,
      kind: p.ref.kind,
      namespace: p.ref.namespace,
      name: p.ref.name,
      ...(p.ref.sectionName !== undefined ? { sectionName: p.ref.sectionName } : {}),
      ...(p.ref.port !== undefined ? { port: p.ref.port } : {}),
    };
    const previousEntry = prevParents.find((pp) => pp.controllerName === input.controllerName && sameParentRef(pp.parentRef, parentRef));
    return {
      parentRef,
      controllerName: input.controllerName,
      conditions: stampConditions(p.conditions, r.source.metadata.generation ?? 1, previousEntry?.conditions, input.now),
    };
  });
  // Parent statuses written by other controllers are kept as they are.
  const foreign = prevParents.filter((pp) => pp.controllerName !== input.controllerName);
  return { kind: r.kind, namespace: r.source.metadata.namespace, name: r.source.metadata.name, status: { parents: [...foreign, ...ours] } };
}

interface AncestorStatus {
  ancestorRef: Record<string, unknown>;
  controllerName: string;
  conditions: StatusCondition[];
}

interface RouteParentStatus {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: StatusCondition[];
}

function sameParentRef(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return ['group', 'kind', 'namespace', 'name', 'sectionName', 'port'].every((k) => a[k] === b[k]);
}

function previousOf(
  input: PrepareStatusInput,
  kind: string,
  o: { metadata: { namespace?: string; name: string } },
): Record<string, unknown> & { conditions?: StatusCondition[] } | undefined {
  return previousByKey(input.previous, statusKey(kind, o.metadata.namespace, o.metadata.name)) as never;
}

/** The current status stored under `key`, whichever of its two shapes `previous` has. */
function previousByKey(previous: PrepareStatusInput['previous'], key: string): unknown {
  return previous instanceof Map ? previous.get(key) : (previous as Readonly<Record<string, unknown>>)[key];
}

function gatewayProgrammed(input: PrepareStatusInput, key: string, accepted: boolean): Condition {
  if (!accepted) return cond.programmedInvalid('The Gateway is not accepted');
  const problem = input.addressProblems[key];
  if (problem) return problem;
  return input.programmed[key]?.condition ?? cond.programmedPending('Waiting for the data plane to serve this generation');
}

function listenerProgrammed(l: ListenerNode, programmed: GatewayProgrammedInput | undefined, parentAccepted: boolean): Condition {
  const acceptedCond = l.conditions.find((c) => c.type === 'Accepted');
  if (!l.accepted) return { type: 'Programmed', status: 'False', reason: acceptedCond?.reason ?? 'Invalid', message: acceptedCond?.message ?? 'Listener is not accepted' };
  if (!parentAccepted) return cond.programmedInvalid('The parent is not accepted');
  if (!cond.isServable(l)) return cond.programmedInvalid('The listener has unresolved references');
  const p = programmed?.listeners[l.key];
  if (!p) return cond.programmedPending('Waiting for the data plane to serve this listener');
  if (p.programmed) return cond.listenerProgrammed();
  return { type: 'Programmed', status: 'False', reason: p.reason ?? 'Pending', message: p.message ?? 'Not served yet' };
}

/**
 * Stamps conditions with the object's generation, keeping a condition's previous
 * `lastTransitionTime` when its status did not change. Duplicate types: the last one wins.
 */
export function stampConditions(
  conds: readonly Condition[],
  generation: number,
  previous: readonly StatusCondition[] | undefined,
  now: string,
): StatusCondition[] {
  const byType = new Map<string, Condition>();
  for (const c of conds) byType.set(c.type, c);
  return [...byType.values()].map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: generation,
      lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now,
    };
  });
}

/**
 * `status.addresses[].type`: an agent behind a load balancer may advertise a host name
 * (`Hostname`); anything shaped like an IPv4 or IPv6 address is an `IPAddress`.
 */
export function addressType(value: string): 'IPAddress' | 'Hostname' {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(':') ? 'IPAddress' : 'Hostname';
}
