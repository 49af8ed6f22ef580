import type { Route, Snapshot } from '@portway/api';
import { buildBackendTLSPolicies } from './backend-tls-policies.js';
import { buildBackendTrafficPolicies } from './backend-traffic-policies.js';
import { buildBackendPolicies } from './backend-policies.js';
import { buildGatewayClasses, buildGateways } from './gateways.js';
import { Resources, sameObjects, type ResourceRead } from './resources.js';
import { buildRoutes, type RouteMemo } from './routes.js';
import type { Graph, GraphOptions, ListenerNode, ListenerSetNode, GatewayNode, RouteNode } from './types.js';

/** Kinds whose objects routes read through `Resources` (tracked per route). */
const TRACKED_KINDS = ['Service', 'ServiceImport', 'EndpointSlice', 'Namespace', 'Secret', 'ConfigMap'] as const;

interface RouteEntry {
  readonly node: RouteNode | null;
  /** What building the node read (Services, EndpointSlices, ...). */
  readonly reads: readonly ResourceRead[];
  /** `GraphBuilder.epoch` when it was built. */
  readonly epoch: number;
}

/**
 * Builds graphs from successive snapshots, reusing the node of every route whose inputs did not
 * change since the previous build: the same route object (providers keep unchanged objects as
 * they are), the same objects behind every Service, ServiceImport, EndpointSlice and Namespace
 * it looked up, and the same surroundings — listeners (as routes see them: names, ports,
 * hostnames, acceptance, allowed kinds and namespaces), ReferenceGrants and backend policies.
 * When the surroundings change, every route is built again. The result equals
 * `buildGraph(snapshot)` (the incremental test checks it); reused route nodes are shared
 * between graphs, so nothing may change a graph's route nodes in place.
 *
 * Pure apart from that memory: no I/O, no clock, no randomness.
 */
export class GraphBuilder {
  private resources: Resources | undefined;
  private surroundings: Surroundings | undefined;
  private epoch = 0;
  private readonly routes = new WeakMap<Route, RouteEntry>();
  /** Counters of the last build (tests, logs). */
  lastBuild = { routes: 0, reused: 0 };

  constructor(private readonly options: GraphOptions) {}

  build(snapshot: Snapshot): Graph {
    const previous = this.resources;
    const resources = new Resources(snapshot, previous);
    const grants = snapshot.ReferenceGrant;
    const options = this.options;

    // The order matters, as in buildGraph: classes, then Gateways with their listeners (routes
    // attach to accepted listeners only), then policies (backends carry their settings), then routes.
    const gatewayClasses = buildGatewayClasses(snapshot.GatewayClass, options);
    const { gateways, listenerSets } = buildGateways({ gateways: snapshot.Gateway, listenerSets: snapshot.ListenerSet, classes: gatewayClasses, resources, grants, options });
    const tlsPolicies = buildBackendTLSPolicies(snapshot.BackendTLSPolicy, resources);
    const trafficPolicies = buildBackendTrafficPolicies(snapshot.XBackendTrafficPolicy);
    const backendPolicies = buildBackendPolicies(snapshot.BackendPolicy ?? [], resources);

    const surroundings = surroundingsOf(snapshot, gateways, listenerSets);
    if (!sameSurroundings(this.surroundings, surroundings)) this.epoch++;
    this.surroundings = surroundings;
    const epoch = this.epoch;
    const changed = new Set<string>();
    for (const kind of TRACKED_KINDS) if (!previous || !sameObjects(previous.snapshot[kind], snapshot[kind])) changed.add(kind);
    const stillValid = (read: ResourceRead): boolean => {
      if (read.kind === 'ServiceSlices' || read.kind === 'ImportSlices') {
        return !changed.has('EndpointSlice') || sameObjects(resources.slicesByKey(read.kind, read.key), read.value);
      }
      return !changed.has(read.kind) || resources.getByKey(read.kind, read.key) === read.value;
    };

    const stats = { routes: 0, reused: 0 };
    let reads: ResourceRead[] = [];
    const memo: RouteMemo = {
      reuse: (route) => {
        stats.routes++;
        const e = this.routes.get(route);
        if (e === undefined || e.epoch !== epoch) return undefined;
        if (changed.size > 0 && !e.reads.every(stillValid)) return undefined;
        stats.reused++;
        return e.node;
      },
      begin: () => {
        reads = [];
        resources.tracker = (r) => reads.push(r);
      },
      store: (route, node) => {
        resources.tracker = undefined;
        this.routes.set(route, { node, reads, epoch });
      },
    };
    const routes = buildRoutes(
      {
        tlsPolicies,
        trafficPolicies,
        backendPolicies,
        routes: ([] as Route[]).concat(snapshot.HTTPRoute, snapshot.GRPCRoute, snapshot.TLSRoute, snapshot.TCPRoute, snapshot.UDPRoute),
        gateways,
        listenerSets,
        resources,
        grants,
        routeKinds: options.routeKinds,
      },
      memo,
    );
    resources.detach();
    this.resources = resources;
    this.lastBuild = stats;
    return { gatewayClasses, gateways, listenerSets, routes, backendTLSPolicies: tlsPolicies.nodes, backendTrafficPolicies: trafficPolicies.nodes, backendPolicies: backendPolicies.nodes };
  }
}

/**
 * What every route depends on besides its own object and the resources it looks up: the
 * listeners as attachment sees them, ReferenceGrants, backend policies (and the ConfigMaps
 * holding their CA certificates). Objects are compared by identity: unchanged objects keep it.
 */
interface Surroundings {
  readonly listeners: string;
  readonly objects: readonly (readonly object[])[];
}

function surroundingsOf(snapshot: Snapshot, gateways: readonly GatewayNode[], sets: readonly ListenerSetNode[]): Surroundings {
  const listener = (l: ListenerNode) => [
    l.key,
    l.name,
    l.owner.kind,
    l.owner.namespace,
    l.port,
    l.protocol,
    l.hostname ?? null,
    l.accepted,
    l.supportedKinds.map((k) => k.kind),
    l.allowedNamespaces,
  ];
  return {
    listeners: JSON.stringify([gateways.map((g) => [g.key, g.listeners.map(listener)]), sets.map((s) => [s.key, s.gateway ?? null, s.listeners.map(listener)])]),
    objects: [snapshot.ReferenceGrant, snapshot.BackendTLSPolicy, snapshot.XBackendTrafficPolicy, snapshot.BackendPolicy ?? [], snapshot.BackendTLSPolicy.length > 0 ? snapshot.ConfigMap : []],
  };
}

function sameSurroundings(a: Surroundings | undefined, b: Surroundings): boolean {
  return a !== undefined && a.listeners === b.listeners && a.objects.every((list, i) => sameObjects(list, b.objects[i]!));
}
