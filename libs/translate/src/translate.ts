import { compareCreation, compareHostSpecificity, isServable, isWildcard, type Graph, type GatewayNode, type ListenerNode, type ResolvedBackend, type RouteNode, type RuleNode } from '@portway/graph';
import { deepFreeze, IR_API_VERSION, type Backend, type GatewayConfig, type HttpRule, type L4Route, type Listener, type PortConfig, type VirtualHost } from '@portway/ir';
import { BackendTable } from './backends.js';
import { compareEntries, type PendingEntry } from './precedence.js';
import { translateMatches, translateRule, type TranslatedMatch } from './rules.js';

export interface TranslateOptions {
  /** Cluster the configs are built for ("" in single-cluster and standalone mode). */
  cluster: string;
  /** Addresses assigned to each Gateway (by key); Gateways without one get no config. */
  addresses: Readonly<Record<string, readonly string[]>>;
}

/**
 * Translates the graph into one data-plane config per accepted Gateway that has an address.
 * Pure. Only listeners that can serve are included: accepted, not conflicted, and (for TLS
 * termination) with at least one valid certificate.
 */
export function translate(graph: Graph, options: TranslateOptions): GatewayConfig[] {
  return new Translator().translate(graph, options);
}

/** A route on one listener, with its effective hostnames there. */
interface Attached {
  route: RouteNode;
  hostnames: string[];
}

/** An HTTP rule translated once per rule node, with the backends it registers and its matches. */
interface TranslatedRule {
  readonly ir: HttpRule;
  readonly backends: readonly (readonly [ResolvedBackend, boolean])[];
  readonly matches: readonly TranslatedMatch[];
}

/** A virtual host as built last time, and the routes it was built from (in graph order). */
interface VhostEntry {
  readonly routes: readonly RouteNode[];
  readonly fallback: string | undefined;
  readonly vhost: VirtualHost;
}

/**
 * Translates successive graphs, reusing what did not change: the IR of every rule whose route
 * node is the same (a `GraphBuilder` keeps the nodes of unchanged routes), every virtual host
 * whose routes are the same, and every backend whose resolved target is the same. Its output is
 * deeply frozen where it is shared between builds (virtual hosts, rules, backends), so hashing,
 * sharding, validation and compilation downstream also cost only what changed. The configs
 * equal `translate(graph)`'s (the incremental test checks it). One translator per cluster: the
 * IR differs by cluster.
 */
export class Translator {
  private readonly rules = new WeakMap<RuleNode, TranslatedRule>();
  private vhosts = new Map<string, VhostEntry>();
  /** Routes of each listener in creation order, as of the last build. */
  private orders = new Map<string, RouteNode[]>();
  private readonly backends = new WeakMap<ResolvedBackend, { grpc: boolean; cert: object | undefined; id: string; ir: Backend }[]>();

  translate(graph: Graph, options: TranslateOptions): GatewayConfig[] {
    const routesByListener = new Map<string, Map<RouteNode, Attached>>();
    for (const route of graph.routes) {
      for (const parent of route.parents) {
        for (const a of parent.attachments) {
          let attached = routesByListener.get(a.listener);
          if (!attached) routesByListener.set(a.listener, (attached = new Map()));
          const existing = attached.get(route);
          if (existing) existing.hostnames = [...new Set([...existing.hostnames, ...a.hostnames])];
          else attached.set(route, { route, hostnames: [...a.hostnames] });
        }
      }
    }

    const next: BuildState = { vhosts: new Map(), orders: new Map() };
    const out: GatewayConfig[] = [];
    for (const gw of graph.gateways) {
      const addresses = options.addresses[gw.key];
      if (!gw.accepted || !addresses) continue;
      out.push(this.translateGateway(gw, routesByListener, options.cluster, addresses, next));
    }
    // Only what this build used is kept for the next.
    this.vhosts = next.vhosts;
    this.orders = next.orders;
    return out;
  }

  private translateGateway(
    gw: GatewayNode,
    routesByListener: Map<string, Map<RouteNode, Attached>>,
    cluster: string,
    addresses: readonly string[],
    next: BuildState,
  ): GatewayConfig {
    const backends = new BackendTable(gw.backendClientCertificate, (b, grpc, id, build) => this.backend(b, grpc, gw.backendClientCertificate, id, build));
    const byPort = new Map<number, ListenerNode[]>();
    for (const l of gw.listeners.filter(isServable)) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);

    const ports: PortConfig[] = [...byPort.entries()]
      .sort(([a], [b]) => a - b)
      .map(([port, listeners]) => ({
        port,
        listeners: [...listeners]
          .sort((a, b) => compareHostSpecificity(a.hostname, b.hostname))
          .map((l) => {
            const scope = `${gw.key}\u0000${l.key}`;
            return this.translateListener(scope, l, this.creationOrder(scope, routesByListener.get(l.key), next), backends, next);
          }),
      }));

    const infra = gw.source.spec.infrastructure;
    return {
      apiVersion: IR_API_VERSION,
      gateway: { namespace: gw.source.metadata.namespace ?? 'default', name: gw.source.metadata.name, generation: gw.source.metadata.generation ?? 1 },
      cluster,
      addresses: [...addresses],
      ports,
      backends: backends.entries,
      ...(infra?.labels || infra?.annotations
        ? { infrastructure: { labels: { ...(infra.labels ?? {}) }, annotations: { ...(infra.annotations ?? {}) } } }
        : {}),
    };
  }

  /**
   * The routes of a listener, oldest first (then by kind, as the graph lists them): backends are
   * registered and L4 routes served in this order. Kept between builds and updated by what came
   * and went, rather than sorted again.
   */
  private creationOrder(scope: string, attached: ReadonlyMap<RouteNode, Attached> | undefined, next: BuildState): Attached[] {
    if (attached === undefined) return [];
    const previous = this.orders.get(scope);
    let order: RouteNode[];
    if (previous === undefined) {
      order = [...attached.keys()].sort(compareRoutes);
    } else {
      order = previous.filter((r) => attached.has(r));
      if (order.length !== attached.size) {
        const kept = new Set(order);
        order = mergeSorted(order, [...attached.keys()].filter((r) => !kept.has(r)).sort(compareRoutes));
      }
    }
    next.orders.set(scope, order);
    return order.map((r) => attached.get(r)!);
  }

  private translateListener(scope: string, l: ListenerNode, ordered: Attached[], backends: BackendTable, next: BuildState): Listener {
    const common = { name: l.key, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}) };
    const tls = {
      certificates: l.certificates.map((c) => ({ certificate: c.certificate, privateKey: c.privateKey })),
      ...(l.frontendValidation ? { clientValidation: l.frontendValidation } : {}),
    };
    switch (l.protocol) {
      case 'HTTP':
        return { ...common, protocol: 'HTTP', virtualHosts: this.virtualHosts(scope, ordered, backends, next.vhosts) };
      case 'HTTPS':
        return { ...common, protocol: 'HTTPS', tls, virtualHosts: this.virtualHosts(scope, ordered, backends, next.vhosts) };
    }
    // L4 routes are served in creation order (the oldest first).
    switch (l.protocol) {
      case 'TLS':
        return l.tlsMode === 'Passthrough'
          ? { ...common, protocol: 'TLS', mode: 'Passthrough', routes: l4Routes(ordered, backends, true) }
          : { ...common, protocol: 'TLS', mode: 'Terminate', tls, routes: l4Routes(ordered, backends, true) };
      case 'TCP':
        return { ...common, protocol: 'TCP', routes: l4Routes(ordered, backends, false) };
      default:
        return { ...common, protocol: 'UDP', routes: l4Routes(ordered, backends, false) };
    }
  }

  /**
   * Virtual hosts of an HTTP(S) listener: one per effective hostname, each with its match entries
   * in precedence order, and a `fallback` to the next less specific hostname that covers it. A
   * virtual host whose routes (and fallback) are those of the previous build is the previous one.
   */
  private virtualHosts(scope: string, attached: Attached[], backends: BackendTable, vhosts: Map<string, VhostEntry>): VirtualHost[] {
    const byHost = new Map<string, RouteNode[]>();
    for (const { route, hostnames } of attached) {
      if (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') continue;
      // Every rule registers its backends, whether or not its virtual hosts are rebuilt.
      for (const rule of route.rules) {
        if (rule.invalid !== undefined) continue;
        for (const [b, grpc] of this.rule(route, rule).backends) backends.add(b, grpc);
      }
      for (const host of hostnames) {
        const list = byHost.get(host);
        if (list) list.push(route);
        else byHost.set(host, [route]);
      }
    }
    const hosts = [...byHost.keys()].sort(compareHostSpecificity);
    const known = new Set(hosts);
    return hosts.map((hostname) => {
      const routes = byHost.get(hostname)!;
      const fallback = fallbackOf(hostname, known);
      const key = `${scope}\u0000${hostname}`;
      const previous = this.vhosts.get(key);
      let entry: VhostEntry;
      if (previous && previous.fallback === fallback && sameList(previous.routes, routes)) entry = previous;
      else entry = { routes, fallback, vhost: deepFreeze(this.buildVirtualHost(hostname, routes, fallback)) };
      vhosts.set(key, entry);
      return entry.vhost;
    });
  }

  private buildVirtualHost(hostname: string, routes: readonly RouteNode[], fallback: string | undefined): VirtualHost {
    const rules = new Map<string, HttpRule>();
    const entries: PendingEntry[] = [];
    for (const route of routes) {
      for (const rule of route.rules) {
        if (rule.invalid !== undefined) continue;
        const t = this.rule(route, rule);
        rules.set(t.ir.id, t.ir);
        t.matches.forEach(({ match, grpc }, matchIndex) =>
          entries.push({ match, ...(grpc ? { grpc } : {}), route: route.source, kind: route.kind, ruleIndex: rule.index, matchIndex, ruleId: t.ir.id }),
        );
      }
    }
    entries.sort(compareEntries);
    const ruleIds: string[] = [];
    const index = new Map<string, number>();
    for (const e of entries) {
      if (!index.has(e.ruleId)) {
        index.set(e.ruleId, ruleIds.length);
        ruleIds.push(e.ruleId);
      }
    }
    return {
      hostname,
      matches: entries.map((e) => ({ rule: index.get(e.ruleId)!, ...e.match })),
      rules: ruleIds.map((id) => rules.get(id)!),
      ...(fallback !== undefined ? { fallback } : {}),
    };
  }

  /** The IR of one HTTP rule (a rule with a value Portway cannot serve never gets here: it is dropped, and the route says so in its status). */
  private rule(route: RouteNode, rule: RuleNode): TranslatedRule {
    let t = this.rules.get(rule);
    if (t === undefined) {
      const added: (readonly [ResolvedBackend, boolean])[] = [];
      const recorder = { add: (b: ResolvedBackend, grpc = false) => (added.push([b, grpc]), BackendTable.idOf(b, grpc)) };
      t = { ir: deepFreeze(translateRule(route, rule, recorder)), backends: added, matches: deepFreeze(translateMatches(route, rule)) };
      this.rules.set(rule, t);
    }
    return t;
  }

  /** The IR of a backend, the same object for as long as its resolved target is. */
  private backend(b: ResolvedBackend, grpc: boolean, cert: object | undefined, id: string, build: () => Backend): Backend {
    const list = this.backends.get(b) ?? [];
    const known = list.find((e) => e.grpc === grpc && e.cert === cert && e.id === id);
    if (known) return known.ir;
    const ir = deepFreeze(build());
    list.push({ grpc, cert, id, ir });
    this.backends.set(b, list);
    return ir;
  }
}

/** What one build makes that the next may reuse. */
interface BuildState {
  vhosts: Map<string, VhostEntry>;
  orders: Map<string, RouteNode[]>;
}

const KIND_ORDER: Record<string, number> = { HTTPRoute: 0, GRPCRoute: 1, TLSRoute: 2, TCPRoute: 3, UDPRoute: 4 };

/** Oldest first, then by "{namespace}/{name}", then by kind in the order the graph lists them. */
function compareRoutes(a: RouteNode, b: RouteNode): number {
  return compareCreation(a.source, b.source) || (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9);
}

/** Merges two lists sorted by `compareRoutes`. */
function mergeSorted(a: readonly RouteNode[], b: readonly RouteNode[]): RouteNode[] {
  if (b.length === 0) return [...a];
  const out: RouteNode[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(compareRoutes(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The same routes in the same order. */
function sameList(a: readonly RouteNode[], b: readonly RouteNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The next less specific hostname of the listener that covers every request `hostname` would
 * get: the wildcard with the longest suffix of it, else "*". (Wildcards are ordered by their
 * number of labels, so walking the suffixes from the longest finds the most specific first.)
 */
function fallbackOf(hostname: string, hosts: ReadonlySet<string>): string | undefined {
  const base = isWildcard(hostname) ? hostname.slice(2) : hostname;
  for (let dot = base.indexOf('.'); dot >= 0; dot = base.indexOf('.', dot + 1)) {
    const w = `*${base.slice(dot)}`;
    if (w !== hostname && hosts.has(w)) return w;
  }
  return hostname !== '*' && hosts.has('*') ? '*' : undefined;
}

function l4Routes(attached: Attached[], backends: BackendTable, sni: boolean): L4Route[] {
  const out: L4Route[] = [];
  for (const { route, hostnames } of attached) {
    if (route.kind === 'HTTPRoute' || route.kind === 'GRPCRoute') continue;
    const ns = route.source.metadata.namespace ?? 'default';
    route.rules.forEach((rule) => {
      if (rule.invalid !== undefined) return;
      out.push({
        id: `${route.kind}/${ns}/${route.source.metadata.name}/${rule.index}`,
        route: { kind: route.kind as 'TLSRoute' | 'TCPRoute' | 'UDPRoute', namespace: ns, name: route.source.metadata.name, rule: rule.index },
        hostnames: sni ? hostnames.filter((h) => h !== '*') : [],
        backends: rule.backendRefs.map((b) => ({ backend: b.backend && !b.backend.unusable ? backends.add(b.backend) : null, weight: b.weight })),
      });
    });
  }
  return out;
}
