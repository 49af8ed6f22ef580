import { GATEWAY_GROUP, MCS_GROUP, type ReferenceGrant, type Route, type RouteKind } from '@portway/api';
import * as cond from './conditions.js';
import type { Condition } from './conditions.js';
import { effectiveHostnames, intersectHostname } from './hostnames.js';
import { resolveServiceImport } from './service-imports.js';
import { compareCreation } from './order.js';
import type { BackendTLSPolicyIndex } from './backend-tls-policies.js';
import type { BackendTrafficPolicyIndex } from './backend-traffic-policies.js';
import { recordBackendPolicyAncestors, withBackendPolicy, type BackendPolicyIndex } from './backend-policies.js';
import { referenceAllowed } from './reference-grants.js';
import type { Resources } from './resources.js';
import { invalidRuleValue } from './rule-validation.js';
import { selectorMatches } from './selectors.js';
import type {
  BackendRefNode,
  GatewayNode,
  ListenerNode,
  ListenerSetNode,
  ParentNode,
  ResolvedBackend,
  RouteNode,
  RuleNode,
} from './types.js';

interface RouteInputs {
  routes: readonly Route[];
  tlsPolicies: BackendTLSPolicyIndex;
  trafficPolicies: BackendTrafficPolicyIndex;
  /** Portway BackendPolicies (cluster weights, failover, health checks). */
  backendPolicies?: BackendPolicyIndex;
  gateways: readonly GatewayNode[];
  listenerSets: readonly ListenerSetNode[];
  resources: Resources;
  grants: readonly ReferenceGrant[];
  routeKinds: readonly RouteKind[];
}

type ParentRefSpec = { group?: string; kind?: string; namespace?: string; name: string; sectionName?: string; port?: number };
type BackendRefSpec = { group?: string; kind?: string; namespace?: string; name: string; port?: number; weight?: number; filters?: unknown[] };
type FilterSpec = { type: string; requestMirror?: { backendRef: BackendRefSpec }; extensionRef?: { group: string; kind: string; name: string } };
type RuleSpec = { name?: string; backendRefs?: BackendRefSpec[]; filters?: FilterSpec[] };

/**
 * What `buildRoutes` may reuse from an earlier build (see `GraphBuilder`): the node of a route
 * whose inputs did not change. Nodes handed out by `reuse` and given to `store` are never
 * mutated afterwards (the steps after the per-route ones copy what they change).
 */
export interface RouteMemo {
  /** The node built earlier for `route`, still valid (null: the route has no Portway parent); undefined: build it. */
  reuse(route: Route): RouteNode | null | undefined;
  /** Called before a route is built (the memo may start recording what it reads). */
  begin(route: Route): void;
  /** Called with what was built for `route` (null: no Portway parent). */
  store(route: Route, node: RouteNode | null): void;
}

/**
 * Builds every route of a supported kind: binds each parentRef to the listeners that accept the
 * route (sectionName/port, allowed namespaces and kinds, hostname intersection), resolves
 * backendRefs, and counts attached routes on listeners. Routes that reference none of Portway's
 * parents are left out (no status is written for them). With a `memo`, routes whose inputs did
 * not change keep their node from the earlier build.
 */
export function buildRoutes(inputs: RouteInputs, memo?: RouteMemo): RouteNode[] {
  const gateways = new Map(inputs.gateways.map((g) => [g.key, g]));
  const sets = new Map(inputs.listenerSets.map((s) => [s.key, s]));
  const out: RouteNode[] = [];
  let http = false;
  let grpc = false;

  for (const route of inputs.routes) {
    if (!inputs.routeKinds.includes(route.kind)) continue;
    let node = memo?.reuse(route);
    if (node === undefined) {
      memo?.begin(route);
      node = buildRoute(route, inputs, gateways, sets);
      memo?.store(route, node);
    }
    if (node === null) continue;
    out.push(node);
    if (node.kind === 'HTTPRoute') http = true;
    else if (node.kind === 'GRPCRoute') grpc = true;
  }

  // Without routes of both kinds there is no HTTP/GRPC conflict to look for.
  const routes = http && grpc ? resolveHttpGrpcConflicts(out) : out;
  countAttachedRoutes(routes, inputs.gateways, inputs.listenerSets);
  recordPolicyAncestors(routes, inputs.tlsPolicies);
  recordPolicyAncestors(routes, inputs.trafficPolicies);
  if (inputs.backendPolicies) recordBackendPolicyAncestors(routes, inputs.backendPolicies);
  return routes;
}

/** One route's node (null when it names none of Portway's parents): depends only on the route and what it reads through `inputs`. */
function buildRoute(
  route: Route,
  inputs: RouteInputs,
  gateways: ReadonlyMap<string, GatewayNode>,
  sets: ReadonlyMap<string, ListenerSetNode>,
): RouteNode | null {
  const namespace = route.metadata.namespace ?? 'default';
  const parents: ParentNode[] = [];
  const parentRefs = (route.spec.parentRefs ?? []) as ParentRefSpec[];
  parentRefs.forEach((p, index) => {
    const ref = {
      group: p.group ?? GATEWAY_GROUP,
      kind: p.kind ?? 'Gateway',
      namespace: p.namespace ?? namespace,
      name: p.name,
      ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}),
      ...(p.port !== undefined ? { port: p.port } : {}),
    };
    if (ref.group !== GATEWAY_GROUP) return;
    const parentKey = `${ref.namespace}/${ref.name}`;
    let gatewayKey: string;
    let listeners: readonly ListenerNode[];
    if (ref.kind === 'Gateway') {
      const gw = gateways.get(parentKey);
      if (!gw) return;
      gatewayKey = gw.key;
      // Routes bound to a Gateway attach to its own listeners only, not to its ListenerSets'.
      listeners = gw.listeners.filter((l) => l.owner.kind === 'Gateway');
    } else if (ref.kind === 'ListenerSet') {
      const ls = sets.get(parentKey);
      if (!ls?.gateway) return;
      gatewayKey = ls.gateway;
      listeners = ls.listeners;
    } else {
      return;
    }
    parents.push(attach(route, namespace, ref, index, gatewayKey, listeners, inputs.resources));
  });
  if (parents.length === 0) return null;

  const rules = buildRules(route, namespace, inputs);
  markInvalidRules(rules, parents);
  const problem = firstProblem(rules);
  const node: RouteNode = {
    source: route,
    kind: route.kind,
    key: `${namespace}/${route.metadata.name}`,
    parents,
    rules,
    resolvedRefs: problem ?? cond.routeResolvedRefs(),
  };
  for (const p of parents) p.conditions.push(node.resolvedRefs);
  return node;
}

function attach(
  route: Route,
  namespace: string,
  ref: ParentNode['ref'],
  index: number,
  gateway: string,
  listeners: readonly ListenerNode[],
  resources: Resources,
): ParentNode {
  const parent: ParentNode = { ref, index, gateway, accepted: false, conditions: [], attachments: [] };
  const candidates = listeners.filter(
    (l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port),
  );
  if (candidates.length === 0) {
    const what = [ref.sectionName !== undefined ? `sectionName "${ref.sectionName}"` : '', ref.port !== undefined ? `port ${ref.port}` : '']
      .filter(Boolean)
      .join(' and ');
    parent.conditions.push(cond.routeNoMatchingParent(`No listener of ${ref.kind} ${ref.namespace}/${ref.name} matches ${what || 'the parentRef'}`));
    return parent;
  }
  const routeHostnames = 'hostnames' in route.spec ? (route.spec.hostnames as string[] | undefined) : undefined;
  let allowedSomewhere = false;
  for (const l of candidates) {
    if (!l.accepted) continue;
    if (!l.supportedKinds.some((k) => k.kind === route.kind)) continue;
    if (!namespaceAllowed(l, namespace, resources)) continue;
    allowedSomewhere = true;
    const hostnames = route.kind === 'TCPRoute' || route.kind === 'UDPRoute' ? ['*'] : effectiveHostnames(l.hostname, routeHostnames);
    if (hostnames.length === 0) continue;
    parent.attachments.push({ listener: l.key, hostnames });
  }
  if (parent.attachments.length > 0) {
    parent.accepted = true;
    parent.conditions.push(cond.routeAccepted());
  } else if (allowedSomewhere) {
    parent.conditions.push(
      cond.routeNoMatchingListenerHostname(`No hostname of the route intersects the hostname of a listener of ${ref.namespace}/${ref.name}`),
    );
  } else {
    parent.conditions.push(
      cond.routeNotAllowedByListeners(`No listener of ${ref.kind} ${ref.namespace}/${ref.name} allows ${route.kind} from namespace ${namespace}`),
    );
  }
  return parent;
}

/**
 * An HTTPRoute and a GRPCRoute attached to the same listener with intersecting hostnames cannot
 * both be served there: the older route (then the first by "{namespace}/{name}") keeps the
 * listener, the other loses that attachment, and is not accepted through a parentRef that has no
 * attachment left. Returns the routes with the losers replaced by changed copies (nodes may be
 * shared with an earlier build, so none is changed in place).
 */
function resolveHttpGrpcConflicts(routes: readonly RouteNode[]): RouteNode[] {
  // Only listeners carrying both kinds can conflict (the usual listener has one kind): find them first.
  const kinds = new Map<string, string>();
  const mixed = new Set<string>();
  for (const route of routes) {
    if (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') continue;
    for (const parent of route.parents) {
      for (const a of parent.attachments) {
        const kind = kinds.get(a.listener);
        if (kind === undefined) kinds.set(a.listener, route.kind);
        else if (kind !== route.kind) mixed.add(a.listener);
      }
    }
  }
  if (mixed.size === 0) return [...routes];
  const byListener = new Map<string, { route: RouteNode; parent: ParentNode; hostnames: string[] }[]>();
  for (const route of routes) {
    if (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') continue;
    for (const parent of route.parents) {
      for (const a of parent.attachments) {
        if (!mixed.has(a.listener)) continue;
        const list = byListener.get(a.listener) ?? [];
        list.push({ route, parent, hostnames: a.hostnames });
        byListener.set(a.listener, list);
      }
    }
  }
  const losers = new Map<ParentNode, { listeners: Set<string>; winner: RouteNode }>();
  // Only listeners carrying both kinds can conflict (the usual listener has one kind).
  for (const [listener, entries] of byListener) {
    const ordered = [...entries].sort((a, b) => compareCreation(a.route.source, b.route.source));
    const kept: typeof ordered = [];
    for (const e of ordered) {
      const winner = kept.find((k) => k.route.kind !== e.route.kind && hostnamesIntersect(k.hostnames, e.hostnames));
      if (!winner) {
        kept.push(e);
        continue;
      }
      const l = losers.get(e.parent) ?? { listeners: new Set<string>(), winner: winner.route };
      l.listeners.add(listener);
      losers.set(e.parent, l);
    }
  }
  if (losers.size === 0) return [...routes];
  return routes.map((route) => {
    if (!route.parents.some((p) => losers.has(p))) return route;
    // The copy made earlier for the same node and the same losses is the same copy (later steps
    // reuse what they built from a node by its identity).
    const what = route.parents.map((p) => {
      const lost = losers.get(p);
      return lost ? `${[...lost.listeners].sort().join(',')}>${lost.winner.kind}/${lost.winner.key}` : '';
    }).join('|');
    const earlier = conflictCopies.get(route);
    if (earlier?.what === what) return earlier.node;
    const parents = route.parents.map((parent) => {
      const lost = losers.get(parent);
      if (!lost) return parent;
      const attachments = parent.attachments.filter((a) => !lost.listeners.has(a.listener));
      if (attachments.length > 0) return { ...parent, attachments };
      const conditions = [...parent.conditions];
      const i = conditions.findIndex((c) => c.type === 'Accepted');
      conditions[i] = cond.routeNotAllowedByListeners(
        `${lost.winner.kind} ${lost.winner.key} is older and uses an intersecting hostname on the same listener: an HTTPRoute and a GRPCRoute cannot share a hostname`,
      );
      return { ...parent, attachments, accepted: false, conditions };
    });
    const node = { ...route, parents };
    conflictCopies.set(route, { what, node });
    return node;
  });
}

/** Copies of route nodes that lost listeners to an HTTP/GRPC conflict, by the node they copy. */
const conflictCopies = new WeakMap<RouteNode, { what: string; node: RouteNode }>();

function hostnamesIntersect(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => x === y || x === '*' || y === '*' || intersectHostname(x, y) !== undefined));
}

function namespaceAllowed(l: ListenerNode, routeNamespace: string, resources: Resources): boolean {
  switch (l.allowedNamespaces.from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === l.owner.namespace;
    case 'Selector':
      return selectorMatches(l.allowedNamespaces.selector, resources.namespaceLabels(routeNamespace));
    default:
      return false;
  }
}

function countAttachedRoutes(routes: readonly RouteNode[], gateways: readonly GatewayNode[], sets: readonly ListenerSetNode[]): void {
  const listeners = new Map<string, ListenerNode>();
  for (const g of gateways) for (const l of g.listeners) listeners.set(l.key, l);
  for (const s of sets) for (const l of s.listeners) listeners.set(l.key, l);
  for (const r of routes) {
    // Each listener once per route, whatever the number of parentRefs reaching it.
    let first: string | undefined;
    let seen: Set<string> | undefined;
    for (const p of r.parents) {
      for (const a of p.attachments) {
        if (first === undefined) first = a.listener;
        else if (a.listener === first || seen?.has(a.listener)) continue;
        else (seen ??= new Set()).add(a.listener);
        const l = listeners.get(a.listener);
        if (l) l.attachedRoutes++;
      }
    }
  }
}

/**
 * A BackendTLSPolicy's ancestors are the Gateways whose accepted routes use a Service it targets
 * (every policy targeting it, including conflicted and invalid ones, so their status shows why).
 */
function recordPolicyAncestors(
  routes: readonly RouteNode[],
  index: { nodes: { ancestors: string[] }[]; targeting(namespace: string, service: string): { ancestors: string[] }[] },
): void {
  if (index.nodes.length === 0) return;
  for (const r of routes) {
    const gateways = [...new Set(r.parents.filter((p) => p.accepted).map((p) => p.gateway))];
    for (const rule of r.rules) {
      for (const b of [...rule.backendRefs, ...Object.values(rule.mirrors)]) {
        if (!b.backend) continue;
        for (const node of index.targeting(b.backend.namespace, b.backend.name)) {
          for (const g of gateways) if (!node.ancestors.includes(g)) node.ancestors.push(g);
        }
      }
    }
  }
  for (const n of index.nodes) n.ancestors.sort();
}

// ───────────────────────────── rules and backends ─────────────────────────────

function buildRules(route: Route, namespace: string, inputs: RouteInputs): RuleNode[] {
  const rules = ((route.spec as { rules?: RuleSpec[] }).rules ?? []) as RuleSpec[];
  return rules.map((rule, index) => {
    const invalid = invalidRuleValue(route.kind, rule as unknown as Parameters<typeof invalidRuleValue>[1]);
    const node: RuleNode = {
      index,
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      backendRefs: (rule.backendRefs ?? []).map((b) => resolveBackendRef(route, namespace, b, inputs)),
      mirrors: {},
      ...(invalid !== undefined ? { invalid } : {}),
    };
    (rule.filters ?? []).forEach((f, fi) => {
      if (f.type === 'RequestMirror' && f.requestMirror) {
        node.mirrors[fi] = resolveBackendRef(route, namespace, f.requestMirror.backendRef, inputs);
      } else if (f.type === 'ExtensionRef') {
        const e = f.extensionRef;
        node.problem ??= cond.routeInvalidKind(
          `ExtensionRef filter ${e ? `${e.group}/${e.kind} ${e.name}` : ''} is not supported: matching requests get 500`,
        );
      }
    });
    return node;
  });
}

/**
 * Rules with a value Portway cannot serve are dropped. With some rules left, every accepted
 * parent says `PartiallyInvalid=True` ("Dropped Rule ..."); with none left, the route is not
 * accepted (`Accepted=False, UnsupportedValue`) and attaches nowhere.
 */
function markInvalidRules(rules: readonly RuleNode[], parents: ParentNode[]): void {
  const invalid = rules.filter((r) => r.invalid !== undefined);
  if (invalid.length === 0) return;
  const what = invalid.map((r) => `${r.index}${r.name !== undefined ? ` (${r.name})` : ''}: ${r.invalid}`).join('; ');
  const all = invalid.length === rules.length;
  for (const p of parents) {
    if (!p.accepted) continue;
    if (all) {
      p.accepted = false;
      p.attachments = [];
      const i = p.conditions.findIndex((c) => c.type === 'Accepted');
      p.conditions[i] = cond.routeUnsupportedValue(`Every rule is invalid: rule ${what}`);
    } else {
      p.conditions.push(cond.routePartiallyInvalid(`Dropped Rule${invalid.length > 1 ? 's' : ''} ${what}`));
    }
  }
}

function firstProblem(rules: readonly RuleNode[]): Condition | undefined {
  for (const r of rules) {
    if (r.problem) return r.problem;
    for (const b of r.backendRefs) if (b.problem) return b.problem;
    for (const m of Object.values(r.mirrors)) if (m.problem) return m.problem;
  }
  return undefined;
}

function resolveBackendRef(route: Route, routeNamespace: string, ref: BackendRefSpec, inputs: RouteInputs): BackendRefNode {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? routeNamespace;
  const weight = ref.weight ?? 1;
  const filters = ref.filters ?? [];
  const where = `${namespace}/${ref.name}`;
  const fail = (problem: Condition): BackendRefNode => ({ weight, problem, filters });

  const extension = (filters as FilterSpec[]).find((f) => f.type === 'ExtensionRef')?.extensionRef;
  if (extension) {
    // Never skipped: requests that pick this backendRef get 500.
    return fail(cond.routeInvalidKind(`backendRef ${where}: ExtensionRef filter ${extension.group}/${extension.kind} ${extension.name} is not supported: requests sent to it get 500`));
  }
  const isService = group === '' && kind === 'Service';
  const isImport = group === MCS_GROUP && kind === 'ServiceImport';
  if (!isService && !isImport) {
    return fail(cond.routeInvalidKind(`backendRef ${where}: unsupported kind ${group ? `${group}/` : ''}${kind}`));
  }
  const allowed = referenceAllowed(
    inputs.grants,
    { group: GATEWAY_GROUP, kind: route.kind, namespace: routeNamespace },
    { group, kind, namespace, name: ref.name },
  );
  if (!allowed) {
    return fail(cond.routeRefNotPermitted(`backendRef ${kind} ${where} is in another namespace and no ReferenceGrant allows the reference`));
  }
  const transport = route.kind === 'UDPRoute' ? 'UDP' : 'TCP';
  const backend = isImport
    ? resolveServiceImport(namespace, ref.name, ref.port, transport, inputs.resources)
    : resolveService(namespace, ref.name, ref.port, inputs.resources, inputs.tlsPolicies, transport);
  if (typeof backend === 'string') return fail(cond.routeBackendNotFound(backend));
  if (isImport && transport === 'UDP') backend.transport = 'UDP';
  const traffic = inputs.trafficPolicies.lookup(namespace, ref.name);
  const withTraffic = traffic ? { ...backend, traffic } : backend;
  return { weight, backend: withBackendPolicy(withTraffic, inputs.backendPolicies?.lookup(isImport ? 'ServiceImport' : 'Service', namespace, ref.name)), filters };
}

/**
 * Resolves a Service port to its endpoints (from the EndpointSlices labelled with the Service
 * name). `protocol`: the transport the route uses (UDPRoute: UDP; every other kind: TCP), so a
 * Service with both `53/TCP` and `53/UDP` resolves to the right one.
 */
export function resolveService(
  namespace: string,
  name: string,
  port: number | undefined,
  resources: Resources,
  tlsPolicies?: BackendTLSPolicyIndex,
  protocol: 'TCP' | 'UDP' = 'TCP',
): ResolvedBackend | string {
  const svc = resources.get('Service', namespace, name);
  if (!svc) return `Service ${namespace}/${name} does not exist`;
  if (port === undefined) return `backendRef to Service ${namespace}/${name} has no port`;
  const svcPort = svc.spec?.ports?.find((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
  if (!svcPort) {
    const other = svc.spec?.ports?.find((p) => p.port === port);
    return other
      ? `Service ${namespace}/${name} has port ${port} for ${other.protocol ?? 'TCP'} only, not ${protocol}`
      : `Service ${namespace}/${name} has no port ${port}`;
  }
  const endpoints: ResolvedBackend['endpoints'] = [];
  const seen = new Set<string>();
  for (const slice of resources.endpointSlicesOf(namespace, name)) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (svcPort.name ?? '') && (p.protocol ?? 'TCP') === (svcPort.protocol ?? 'TCP'));
    const target = slicePort?.port ?? (typeof svcPort.targetPort === 'number' ? svcPort.targetPort : undefined);
    if (target === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      for (const address of ep.addresses ?? []) {
        const k = `${address}:${target}`;
        if (seen.has(k)) continue;
        seen.add(k);
        endpoints.push({
          address,
          port: target,
          ready: ep.conditions?.ready !== false,
          ...(ep.zone ? { zone: ep.zone } : {}),
        });
      }
    }
  }
  endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  const tls = tlsPolicies?.lookup(namespace, name, svcPort.name);
  return {
    kind: 'Service',
    namespace,
    name,
    port,
    ...(protocol === 'UDP' ? { transport: 'UDP' as const } : {}),
    ...(svcPort.appProtocol ? { appProtocol: svcPort.appProtocol } : {}),
    endpoints,
    ...(tls ? { tlsPolicy: tls.policy } : {}),
    ...(tls && 'invalid' in tls ? { unusable: `BackendTLSPolicy ${tls.policy}: ${tls.invalid}` } : {}),
    ...(tls && !('invalid' in tls) ? { tls } : {}),
  };
}
