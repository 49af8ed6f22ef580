import { compareCreation, compareHostSpecificity, hostMatches, isServable, isWildcard, type Graph, type GatewayNode, type ListenerNode, type RouteNode } from '@portway/graph';
import { IR_API_VERSION, type GatewayConfig, type HttpRule, type L4Route, type Listener, type PortConfig, type VirtualHost } from '@portway/ir';
import { BackendTable } from './backends.js';
import { compareEntries, type PendingEntry } from './precedence.js';
import { translateMatches, translateRule } from './rules.js';

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
  const routesByListener = new Map<string, { route: RouteNode; hostnames: string[] }[]>();
  for (const route of graph.routes) {
    for (const parent of route.parents) {
      for (const a of parent.attachments) {
        const list = routesByListener.get(a.listener) ?? [];
        const existing = list.find((e) => e.route === route);
        if (existing) existing.hostnames = [...new Set([...existing.hostnames, ...a.hostnames])];
        else list.push({ route, hostnames: [...a.hostnames] });
        routesByListener.set(a.listener, list);
      }
    }
  }

  const out: GatewayConfig[] = [];
  for (const gw of graph.gateways) {
    const addresses = options.addresses[gw.key];
    if (!gw.accepted || !addresses) continue;
    out.push(translateGateway(gw, routesByListener, options.cluster, addresses));
  }
  return out;
}

function translateGateway(
  gw: GatewayNode,
  routesByListener: Map<string, { route: RouteNode; hostnames: string[] }[]>,
  cluster: string,
  addresses: readonly string[],
): GatewayConfig {
  const backends = new BackendTable(gw.backendClientCertificate);
  const byPort = new Map<number, ListenerNode[]>();
  for (const l of gw.listeners.filter(isServable)) byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);

  const ports: PortConfig[] = [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, listeners]) => ({
      port,
      listeners: [...listeners]
        .sort((a, b) => compareHostSpecificity(a.hostname, b.hostname))
        .map((l) => translateListener(l, routesByListener.get(l.key) ?? [], backends)),
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

function translateListener(
  l: ListenerNode,
  attached: { route: RouteNode; hostnames: string[] }[],
  backends: BackendTable,
): Listener {
  const common = { name: l.key, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}) };
  const tls = {
    certificates: l.certificates.map((c) => ({ certificate: c.certificate, privateKey: c.privateKey })),
    ...(l.frontendValidation ? { clientValidation: l.frontendValidation } : {}),
  };
  const ordered = [...attached].sort((a, b) => compareCreation(a.route.source, b.route.source));
  switch (l.protocol) {
    case 'HTTP':
      return { ...common, protocol: 'HTTP', virtualHosts: virtualHosts(ordered, backends) };
    case 'HTTPS':
      return { ...common, protocol: 'HTTPS', tls, virtualHosts: virtualHosts(ordered, backends) };
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
 * in precedence order, and a `fallback` to the next less specific hostname that covers it.
 */
function virtualHosts(attached: { route: RouteNode; hostnames: string[] }[], backends: BackendTable): VirtualHost[] {
  const rules = new Map<string, HttpRule>();
  const byHost = new Map<string, PendingEntry[]>();
  for (const { route, hostnames } of attached) {
    if (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute') continue;
    for (const rule of route.rules) {
      // A rule with a value Portway cannot serve is dropped (the route says so in its status).
      if (rule.invalid !== undefined) continue;
      const ir = translateRule(route, rule, backends);
      rules.set(ir.id, ir);
      const matches = translateMatches(route, rule);
      for (const host of hostnames) {
        const list = byHost.get(host) ?? [];
        matches.forEach(({ match, grpc }, matchIndex) =>
          list.push({ match, ...(grpc ? { grpc } : {}), route: route.source, ruleIndex: rule.index, matchIndex, ruleId: ir.id }),
        );
        byHost.set(host, list);
      }
    }
  }
  const hosts = [...byHost.keys()].sort(compareHostSpecificity);
  return hosts.map((hostname) => {
    const entries = byHost.get(hostname)!.sort(compareEntries);
    const ruleIds: string[] = [];
    const index = new Map<string, number>();
    for (const e of entries) {
      if (!index.has(e.ruleId)) {
        index.set(e.ruleId, ruleIds.length);
        ruleIds.push(e.ruleId);
      }
    }
    const fallback = hosts.find((h) => h !== hostname && covers(h, hostname));
    return {
      hostname,
      matches: entries.map((e) => ({ rule: index.get(e.ruleId)!, ...e.match })),
      rules: ruleIds.map((id) => rules.get(id)!),
      ...(fallback !== undefined ? { fallback } : {}),
    };
  });
}

/** Does the less specific hostname `general` cover every request `specific` would get? */
function covers(general: string, specific: string): boolean {
  if (general === '*') return true;
  if (!isWildcard(general)) return false;
  return hostMatches(general, isWildcard(specific) ? specific.slice(2) : specific) && compareHostSpecificity(specific, general) < 0;
}

function l4Routes(attached: { route: RouteNode; hostnames: string[] }[], backends: BackendTable, sni: boolean): L4Route[] {
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
