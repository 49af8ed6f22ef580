import { compareCreation, compareHostSpecificity, isServable, isWildcard, type Graph, type GatewayNode, type ListenerNode, type ResolvedBackend, type RouteNode, type RuleNode } from '@portway/graph';
import { deepFreeze, IR_API_VERSION, type Backend, type GatewayConfig, type HttpRule, type L4Route, type Listener, type VirtualHost } from '@portway/ir';
import { backendId, backendIr } from './backends.js';
import { clusterGatewaysKey, type ClusterGateways } from './cluster-gateways.js';
import { compareEntries, type PendingEntry } from './precedence.js';
import { translateMatches, translateRule, type TranslatedMatch } from './rules.js';

export interface TranslateOptions {
  /** Cluster the configs are built for ("" in single-cluster and standalone mode). */
  cluster: string;
  /** Addresses assigned to each Gateway (by key); Gateways without one get no config. */
  addresses: Readonly<Record<string, readonly string[]>>;
  /**
   * Clusters reached through their east-west gateway (see cluster-gateways.ts): endpoints of
   * those clusters get `via` in this cluster's configs. Absent: every endpoint is dialed directly.
   */
  clusterGateways?: ClusterGateways;
}

/**
 * Translates the graph into one data-plane config per accepted Gateway that has an address.
 * Pure. Only listeners that can serve are included: accepted, not conflicted, and (for TLS
 * termination) with at least one valid certificate.
 */
export function translate(graph: Graph, options: TranslateOptions): GatewayConfig[] {
  return new Translator().translate(graph, options);
}

/** An HTTP rule translated once per rule node, with the backends it registers and its matches. */
interface TranslatedRule {
  readonly ir: HttpRule;
  readonly backends: readonly Registration[];
  readonly matches: readonly TranslatedMatch[];
}

/** One backend a rule uses: its resolved target, whether for gRPC, and its id. */
type Registration = readonly [backend: ResolvedBackend, grpc: boolean, id: string];

/**
 * Translates successive graphs in time proportional to what changed between them. It keeps,
 * per Gateway, the routes of every listener, the virtual hosts built from them and the backends
 * they use (counted), and applies each build's differences: the route nodes that appeared and
 * those that went (a `GraphBuilder` keeps the nodes of unchanged routes). Only the virtual hosts
 * of the hostnames those routes carry are built again; everything else is the previous build's
 * (deeply frozen) objects, so hashing, sharding, validating and compiling downstream also cost
 * only what changed. A Gateway whose listeners changed is translated anew. The configs equal
 * `translate(graph)`'s (the incremental test checks it). One translator per cluster.
 */
export class Translator {
  private readonly rules = new WeakMap<RuleNode, TranslatedRule>();
  private readonly interned = new WeakMap<ResolvedBackend, { grpc: boolean; cert: string; id: string; reach: string; ir: Backend }[]>();
  private gateways = new Map<string, GatewayState>();
  /** Route nodes of the previous build. */
  private routes = new Set<RouteNode>();
  /** The reachability the kept backend IR was built with (cluster and east-west gateways). */
  private reach: { from: string; gateways: ClusterGateways | undefined; key: string } = { from: '', gateways: undefined, key: '' };

  translate(graph: Graph, options: TranslateOptions): GatewayConfig[] {
    // Endpoints' `via` depends on the cluster and its gateways: when they change, nothing kept applies.
    const reachKey = `${options.cluster}\u0000${clusterGatewaysKey(options.clusterGateways)}`;
    if (reachKey !== this.reach.key) {
      this.gateways = new Map();
      this.routes = new Set();
      this.reach = { from: options.cluster, gateways: options.clusterGateways, key: reachKey };
    }
    const next = new Map<string, GatewayState>();
    const fresh = new Map<string, ListenerState>();
    const kept = new Map<string, ListenerState>();
    for (const gw of graph.gateways) {
      const addresses = options.addresses[gw.key];
      if (!gw.accepted || !addresses) continue;
      const shape = shapeOf(gw);
      const previous = this.gateways.get(gw.key);
      const state = previous?.shape === shape ? previous : new GatewayState(gw, shape, (b, grpc, id) => this.intern(b, grpc, gw, id));
      next.set(gw.key, state);
      for (const [key, l] of state.listeners) (state === previous ? kept : fresh).set(key, l);
    }

    // Routes that went, then routes that came, for the Gateways kept; every route for the new ones.
    const current = new Set(graph.routes);
    if (kept.size > 0) {
      for (const r of this.routes) if (!current.has(r)) this.detach(r, kept);
      for (const r of graph.routes) if (!this.routes.has(r)) this.attach(r, kept);
    }
    if (fresh.size > 0) for (const r of graph.routes) this.attach(r, fresh);
    this.routes = current;
    this.gateways = next;

    const out: GatewayConfig[] = [];
    for (const gw of graph.gateways) {
      const state = next.get(gw.key);
      if (state) out.push(state.config(gw, options.cluster, options.addresses[gw.key]!, this));
    }
    return out;
  }

  /** The IR of one HTTP rule, with the backends it uses and its matches. */
  rule(route: RouteNode, rule: RuleNode): TranslatedRule {
    let t = this.rules.get(rule);
    if (t === undefined) {
      const added: Registration[] = [];
      const recorder = { add: (b: ResolvedBackend, grpc = false) => {
        const id = backendId(b, grpc);
        added.push([b, grpc, id]);
        return id;
      } };
      t = { ir: deepFreeze(translateRule(route, rule, recorder)), backends: added, matches: deepFreeze(translateMatches(route, rule)) };
      this.rules.set(rule, t);
    }
    return t;
  }

  /** The IR of a backend: the same (frozen) object for as long as its resolved target is. */
  private intern(b: ResolvedBackend, grpc: boolean, gw: GatewayNode, id: string): Backend {
    const cert = certKey(gw);
    const list = this.interned.get(b) ?? [];
    const reach = this.reach;
    const known = list.find((e) => e.grpc === grpc && e.cert === cert && e.id === id && e.reach === reach.key);
    if (known) return known.ir;
    const ir = deepFreeze(backendIr(b, grpc, gw.backendClientCertificate, reach));
    list.push({ grpc, cert, id, reach: reach.key, ir });
    this.interned.set(b, list);
    return ir;
  }

  private attach(route: RouteNode, listeners: ReadonlyMap<string, ListenerState>): void {
    for (const [key, hostnames] of hostnamesByListener(route)) listeners.get(key)?.add(route, hostnames, this);
  }

  private detach(route: RouteNode, listeners: ReadonlyMap<string, ListenerState>): void {
    for (const key of hostnamesByListener(route).keys()) listeners.get(key)?.remove(route, this);
  }
}

/** A route's effective hostnames on each listener it attaches to (merged over its parentRefs). */
function hostnamesByListener(route: RouteNode): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const parent of route.parents) {
    for (const a of parent.attachments) {
      const existing = out.get(a.listener);
      out.set(a.listener, existing ? [...new Set([...existing, ...a.hostnames])] : [...a.hostnames]);
    }
  }
  return out;
}

/** What a Gateway's translation depends on besides its routes: when it changes, the Gateway is translated anew. */
function shapeOf(gw: GatewayNode): string {
  return JSON.stringify([
    gw.listeners.filter(isServable).map((l) => [l.key, l.port, l.protocol, l.hostname ?? null, l.tlsMode ?? null, l.certificates, l.frontendValidation ?? null]),
    certKey(gw),
  ]);
}

function certKey(gw: GatewayNode): string {
  const c = gw.backendClientCertificate;
  return c ? `${c.certificate}\u0000${c.privateKey}` : '';
}

type Intern = (b: ResolvedBackend, grpc: boolean, id: string) => Backend;

/** One Gateway's translation state: its listeners (by key, with their port) and the backends they use. */
class GatewayState {
  readonly listeners = new Map<string, ListenerState>();
  /** Servable listeners by port, ports ascending, listeners most specific hostname first. */
  private readonly ports: { port: number; listeners: ListenerState[] }[];
  readonly backends: BackendCounts;

  constructor(
    gw: GatewayNode,
    readonly shape: string,
    intern: Intern,
  ) {
    this.backends = new BackendCounts(intern);
    const byPort = new Map<number, ListenerNode[]>();
    for (const l of gw.listeners.filter(isServable)) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
    this.ports = [...byPort.entries()]
      .sort(([a], [b]) => a - b)
      .map(([port, listeners]) => ({
        port,
        listeners: [...listeners]
          .sort((a, b) => compareHostSpecificity(a.hostname, b.hostname))
          .map((l) => {
            const state = l.protocol === 'HTTP' || l.protocol === 'HTTPS' ? new HttpListenerState(l, this.backends) : new L4ListenerState(l, this.backends);
            this.listeners.set(l.key, state);
            return state;
          }),
      }));
  }

  config(gw: GatewayNode, cluster: string, addresses: readonly string[], translator: Translator): GatewayConfig {
    const infra = gw.source.spec.infrastructure;
    return {
      apiVersion: IR_API_VERSION,
      gateway: { namespace: gw.source.metadata.namespace ?? 'default', name: gw.source.metadata.name, generation: gw.source.metadata.generation ?? 1 },
      cluster,
      addresses: [...addresses],
      ports: this.ports.map(({ port, listeners }) => ({ port, listeners: listeners.map((l) => l.ir(translator)) })),
      backends: this.backends.record(),
      ...(infra?.labels || infra?.annotations
        ? { infrastructure: { labels: { ...(infra.labels ?? {}) }, annotations: { ...(infra.annotations ?? {}) } } }
        : {}),
    };
  }
}

/**
 * The backends a Gateway's routes use, counted per use, so that routes can come and go. The
 * table lists them by id; it is the previous (frozen) table when no backend came, went or changed.
 */
class BackendCounts {
  private readonly entries = new Map<string, { count: number; ir: Backend | undefined; sources: Map<ResolvedBackend, { count: number; ir: Backend }> }>();
  private table: Record<string, Backend> | undefined;

  constructor(private readonly intern: Intern) {}

  add([b, grpc, id]: Registration): void {
    let e = this.entries.get(id);
    if (!e) this.entries.set(id, (e = { count: 0, ir: undefined, sources: new Map() }));
    e.count++;
    let s = e.sources.get(b);
    if (!s) e.sources.set(b, (s = { count: 0, ir: this.intern(b, grpc, id) }));
    s.count++;
    if (e.ir === undefined) {
      e.ir = s.ir;
      this.table = undefined;
    }
  }

  remove([b, , id]: Registration): void {
    const e = this.entries.get(id);
    const s = e?.sources.get(b);
    if (!e || !s) return;
    e.count--;
    if (--s.count === 0) {
      e.sources.delete(b);
      // Every target of one id has the same content (the same Service port in one graph); a
      // newer one takes over when the one the table shows goes.
      if (e.ir === s.ir) {
        e.ir = e.sources.values().next().value?.ir;
        this.table = undefined;
      }
    }
    if (e.count === 0) {
      this.entries.delete(id);
      this.table = undefined;
    }
  }

  record(): Record<string, Backend> {
    if (this.table === undefined) {
      const table: Record<string, Backend> = {};
      for (const id of [...this.entries.keys()].sort()) table[id] = this.entries.get(id)!.ir!;
      this.table = deepFreeze(table);
    }
    return this.table;
  }
}

interface ListenerState {
  add(route: RouteNode, hostnames: readonly string[], translator: Translator): void;
  remove(route: RouteNode, translator: Translator): void;
  /** The listener's IR: the previous (frozen) one when nothing changed. */
  ir(translator: Translator): Listener;
}

/** Name, hostname and TLS of a listener's IR. */
function listenerCommon(l: ListenerNode) {
  return {
    common: { name: l.key, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}) },
    tls: {
      certificates: l.certificates.map((c) => ({ certificate: c.certificate, privateKey: c.privateKey })),
      ...(l.frontendValidation ? { clientValidation: l.frontendValidation } : {}),
    },
  };
}

/**
 * An HTTP(S) listener: one virtual host per effective hostname, each with its match entries in
 * precedence order (a total order, so the routes' order does not matter), and a `fallback` to the
 * next less specific hostname that covers it. Hostnames are kept most specific first.
 */
class HttpListenerState implements ListenerState {
  private readonly hosts = new Map<string, Set<RouteNode>>();
  private readonly routes = new Map<RouteNode, readonly string[]>();
  private readonly built = new Map<string, VirtualHost>();
  private readonly fallbacks = new Map<string, string | undefined>();
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  /** A wildcard (or "*") came or went: every fallback is looked at again. */
  private wildcardsChanged = false;
  private changed = true;
  private last: Listener | undefined;

  constructor(
    private readonly node: ListenerNode,
    private readonly backends: BackendCounts,
  ) {}

  add(route: RouteNode, hostnames: readonly string[], translator: Translator): void {
    if (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') return;
    this.routes.set(route, hostnames);
    // Every rule registers its backends once per listener.
    for (const rule of route.rules) if (rule.invalid === undefined) for (const r of translator.rule(route, rule).backends) this.backends.add(r);
    for (const h of hostnames) {
      let set = this.hosts.get(h);
      if (!set) {
        this.hosts.set(h, (set = new Set()));
        this.order.splice(insertionPoint(this.order, h), 0, h);
        if (h === '*' || isWildcard(h)) this.wildcardsChanged = true;
      }
      set.add(route);
      this.dirty.add(h);
    }
    this.changed = true;
  }

  remove(route: RouteNode, translator: Translator): void {
    const hostnames = this.routes.get(route);
    if (!hostnames) return;
    this.routes.delete(route);
    for (const rule of route.rules) if (rule.invalid === undefined) for (const r of translator.rule(route, rule).backends) this.backends.remove(r);
    for (const h of hostnames) {
      const set = this.hosts.get(h)!;
      set.delete(route);
      if (set.size === 0) {
        this.hosts.delete(h);
        this.order.splice(this.order.indexOf(h), 1);
        this.built.delete(h);
        this.fallbacks.delete(h);
        this.dirty.delete(h);
        if (h === '*' || isWildcard(h)) this.wildcardsChanged = true;
      } else {
        this.dirty.add(h);
      }
    }
    this.changed = true;
  }

  ir(translator: Translator): Listener {
    if (!this.changed && this.last) return this.last;
    // A wildcard (or "*") that came or went may change the fallback of any hostname it covers.
    if (this.wildcardsChanged) {
      for (const h of this.order) if (!this.fallbacks.has(h) || this.fallbacks.get(h) !== fallbackOf(h, this.hosts)) this.dirty.add(h);
      this.wildcardsChanged = false;
    }
    for (const h of this.dirty) {
      const fallback = fallbackOf(h, this.hosts);
      this.fallbacks.set(h, fallback);
      this.built.set(h, deepFreeze(buildVirtualHost(h, this.hosts.get(h)!, fallback, translator)));
    }
    this.dirty.clear();
    const { common, tls } = listenerCommon(this.node);
    const virtualHosts = this.order.map((h) => this.built.get(h)!);
    this.last = deepFreeze(this.node.protocol === 'HTTPS' ? { ...common, protocol: 'HTTPS', tls, virtualHosts } : { ...common, protocol: 'HTTP', virtualHosts });
    this.changed = false;
    return this.last;
  }
}

/** Where `h` goes in hostnames kept in `compareHostSpecificity` order. */
function insertionPoint(order: readonly string[], h: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareHostSpecificity(order[mid], h) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function buildVirtualHost(hostname: string, routes: Iterable<RouteNode>, fallback: string | undefined, translator: Translator): VirtualHost {
  const rules = new Map<string, HttpRule>();
  const entries: PendingEntry[] = [];
  for (const route of routes) {
    for (const rule of route.rules) {
      if (rule.invalid !== undefined) continue;
      const t = translator.rule(route, rule);
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

/**
 * The next less specific hostname of the listener that covers every request `hostname` would
 * get: the wildcard with the longest suffix of it, else "*". (Wildcards are ordered by their
 * number of labels, so walking the suffixes from the longest finds the most specific first.)
 */
function fallbackOf(hostname: string, hosts: ReadonlyMap<string, unknown>): string | undefined {
  const base = isWildcard(hostname) ? hostname.slice(2) : hostname;
  for (let dot = base.indexOf('.'); dot >= 0; dot = base.indexOf('.', dot + 1)) {
    const w = `*${base.slice(dot)}`;
    if (w !== hostname && hosts.has(w)) return w;
  }
  return hostname !== '*' && hosts.has('*') ? '*' : undefined;
}

const KIND_ORDER: Record<string, number> = { HTTPRoute: 0, GRPCRoute: 1, TLSRoute: 2, TCPRoute: 3, UDPRoute: 4 };

/** Oldest first, then by "{namespace}/{name}", then by kind in the order the graph lists them. */
function compareRoutes(a: RouteNode, b: RouteNode): number {
  return compareCreation(a.source, b.source) || (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9);
}

/** A TLS, TCP or UDP listener: its routes, served oldest first. */
class L4ListenerState implements ListenerState {
  private readonly routes = new Map<RouteNode, { hostnames: readonly string[]; registrations: Registration[] }>();
  private last: Listener | undefined;

  constructor(
    private readonly node: ListenerNode,
    private readonly backends: BackendCounts,
  ) {}

  add(route: RouteNode, hostnames: readonly string[]): void {
    if (route.kind === 'HTTPRoute' || route.kind === 'GRPCRoute') return;
    const registrations: Registration[] = [];
    for (const rule of route.rules) {
      if (rule.invalid !== undefined) continue;
      for (const b of rule.backendRefs) if (b.backend && !b.backend.unusable) registrations.push([b.backend, false, backendId(b.backend)]);
    }
    registrations.forEach((r) => this.backends.add(r));
    this.routes.set(route, { hostnames, registrations });
    this.last = undefined;
  }

  remove(route: RouteNode): void {
    const known = this.routes.get(route);
    if (!known) return;
    known.registrations.forEach((r) => this.backends.remove(r));
    this.routes.delete(route);
    this.last = undefined;
  }

  ir(): Listener {
    if (this.last) return this.last;
    const l = this.node;
    const { common, tls } = listenerCommon(l);
    const ordered = [...this.routes.keys()].sort(compareRoutes);
    const routes = (sni: boolean) => l4Routes(ordered, (r) => this.routes.get(r)!.hostnames, sni);
    let ir: Listener;
    switch (l.protocol) {
      case 'TLS':
        ir =
          l.tlsMode === 'Passthrough'
            ? { ...common, protocol: 'TLS', mode: 'Passthrough', routes: routes(true) }
            : { ...common, protocol: 'TLS', mode: 'Terminate', tls, routes: routes(true) };
        break;
      case 'TCP':
        ir = { ...common, protocol: 'TCP', routes: routes(false) };
        break;
      default:
        ir = { ...common, protocol: 'UDP', routes: routes(false) };
    }
    this.last = deepFreeze(ir);
    return this.last;
  }
}

function l4Routes(ordered: readonly RouteNode[], hostnamesOf: (r: RouteNode) => readonly string[], sni: boolean): L4Route[] {
  const out: L4Route[] = [];
  for (const route of ordered) {
    const ns = route.source.metadata.namespace ?? 'default';
    route.rules.forEach((rule) => {
      if (rule.invalid !== undefined) return;
      out.push({
        id: `${route.kind}/${ns}/${route.source.metadata.name}/${rule.index}`,
        route: { kind: route.kind as 'TLSRoute' | 'TCPRoute' | 'UDPRoute', namespace: ns, name: route.source.metadata.name, rule: rule.index },
        hostnames: sni ? hostnamesOf(route).filter((h) => h !== '*') : [],
        backends: rule.backendRefs.map((b) => ({ backend: b.backend && !b.backend.unusable ? backendId(b.backend) : null, weight: b.weight })),
      });
    });
  }
  return out;
}
