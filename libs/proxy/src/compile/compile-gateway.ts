/**
 * Compiles one validated GatewayConfig into the structures the hot path reads (see
 * compiled-types.ts). Pure apart from building TLS secure contexts and looking up upstreams
 * in the registry (which only creates lazy handles: no socket is opened here).
 * Throws a CompileError naming the listener when something cannot be compiled.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { virtualHostEdit, type Filter, type GatewayConfig, type HeaderModifier, type HttpRule, type Listener, type TerminateTls, type VirtualHost } from '@portway/ir';
import { BackendRuntime } from '../backends/backend-runtime.js';
import type { EndpointHealthTable } from '../backends/endpoint-health.js';
import { SessionAffinity } from '../backends/session-affinity.js';
import { WeightedPicker } from '../backends/weighted-picker.js';
import { CorsPolicy } from '../filters/cors.js';
import { HeaderPlan } from '../filters/header-plan.js';
import { HostTable } from '../routing/host-table.js';
import { compileRouter } from '../routing/router.js';
import type { UpstreamRegistry } from '../upstream/upstream.js';
import { compileTcpListener, compileTlsListener, compileUdpListener, type UdpListenerIr } from './compile-l4.js';
import { compileMemoFor, type CompileMemo, type HttpListenerIr } from './compile-memo.js';
import type {
  CompiledBackendRef,
  CompiledGateway,
  CompiledListener,
  CompiledListenerTls,
  CompiledMirror,
  CompiledPort,
  CompiledRule,
  CompiledTcpListener,
  CompiledTlsListener,
  CompiledUdpPort,
  CompiledVirtualHost,
  ListenerIssue,
  PortKind,
  SniTarget,
  RedirectFilter,
} from './compiled-types.js';

export class CompileError extends Error {
  constructor(
    readonly listener: string | undefined,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CompileContext {
  readonly registry: UpstreamRegistry;
  readonly defaultAddress: string;
  readonly sessionSecret: Buffer;
  /** Active health of endpoints, shared by every config of the process (absent: every endpoint is healthy). */
  readonly health?: EndpointHealthTable;
}

export function compileGateway(config: GatewayConfig, ctx: CompileContext): CompiledGateway {
  const backends = new Map<string, BackendRuntime>();
  const backendCtx = ctx.health !== undefined ? { cluster: config.cluster, health: ctx.health } : undefined;
  // Unchanged (frozen) backends keep their runtimes, and unchanged virtual hosts their routers.
  const memo = compileMemoFor(ctx.registry, `${config.gateway.namespace}/${config.gateway.name}`);
  memo.begin();
  for (const [id, b] of Object.entries(config.backends)) backends.set(id, memo.runtime(b, config.cluster, () => new BackendRuntime(b, ctx.registry, backendCtx)));
  // Before any listener: whether the previous compile's listeners can be reused depends on it.
  memo.backendsReady(backends);
  const upstreamKeys = new Set<string>();
  for (const b of backends.values()) for (const u of b.ready) upstreamKeys.add(u.key);

  const lookup = (id: string | null) => backendFor(id, backends);
  const issues: ListenerIssue[] = [];
  const ports: CompiledPort[] = [];
  const udpPorts: CompiledUdpPort[] = [];
  for (const p of config.ports) {
    const port = compileTcpPort(p.port, p.listeners.filter((l) => l.protocol !== 'UDP'), lookup, backends, ctx, issues, memo);
    if (port !== null) ports.push(port);
    const udp = p.listeners.filter((l): l is UdpListenerIr => l.protocol === 'UDP');
    if (udp.length > 0) {
      udpPorts.push({ port: p.port, listener: compileUdpListener(udp[0]!, p.port, lookup) });
      for (const l of udp.slice(1)) {
        issues.push({ listener: l.name, reason: 'ProtocolConflict', message: `UDP port ${p.port} is served by listener "${udp[0]!.name}"; "${l.name}" is not served` });
      }
    }
  }
  memo.commit();
  return {
    key: `${config.gateway.namespace}/${config.gateway.name}`,
    generation: config.gateway.generation,
    addresses: config.addresses.length > 0 ? [...new Set(config.addresses)] : [ctx.defaultAddress],
    ports,
    udpPorts,
    issues,
    upstreamKeys,
  };
}

/**
 * The listeners of one port that use TCP. A port with HTTPS or TLS listeners chooses among them
 * by SNI (HTTP and TCP listeners there conflict); otherwise HTTP listeners share the port by
 * Host header (TCP listeners there conflict); a TCP listener is alone on its port.
 */
function compileTcpPort(
  port: number,
  irListeners: readonly Listener[],
  lookup: (id: string | null) => BackendRuntime | null,
  backends: ReadonlyMap<string, BackendRuntime>,
  ctx: CompileContext,
  issues: ListenerIssue[],
  memo: CompileMemo,
): CompiledPort | null {
  if (irListeners.length === 0) return null;
  const kind: PortKind = irListeners.some((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS')
    ? 'tls'
    : irListeners.some((l) => l.protocol === 'HTTP')
      ? 'http'
      : 'tcp';
  const listeners: CompiledListener[] = [];
  const tlsListeners: CompiledTlsListener[] = [];
  const sniOrder: SniTarget[] = [];
  let tcp: CompiledTcpListener | null = null;
  for (const l of irListeners) {
    const fits = kind === 'tls' ? l.protocol === 'HTTPS' || l.protocol === 'TLS' : kind === 'http' ? l.protocol === 'HTTP' : tcp === null;
    if (!fits) {
      const served = kind === 'tcp' ? `TCP listener "${tcp!.name}"` : kind === 'tls' ? 'HTTPS/TLS listeners' : 'HTTP listeners';
      issues.push({ listener: l.name, reason: 'ProtocolConflict', message: `port ${port} is served by ${served}; ${l.protocol} listener "${l.name}" is not served` });
      continue;
    }
    if (l.protocol === 'HTTP' || l.protocol === 'HTTPS') {
      const compiled = compileListener(l, port, backends, ctx, memo);
      listeners.push(compiled);
      sniOrder.push(compiled);
    } else if (l.protocol === 'TLS') {
      const tls = l.mode === 'Terminate' ? compileListenerTls(l.name, l.tls) : null;
      const compiled = compileTlsListener(l, port, lookup, tls);
      tlsListeners.push(compiled);
      sniOrder.push(compiled);
    } else if (l.protocol === 'TCP') {
      tcp = compileTcpListener(l, port, lookup);
    }
  }
  const byHost = new HostTable<CompiledListener>();
  for (const l of listeners) byHost.add(l.hostname, l);
  let bySni: HostTable<SniTarget> | null = null;
  if (tlsListeners.length > 0) {
    bySni = new HostTable<SniTarget>();
    for (const l of sniOrder) bySni.add(l.hostname, l);
  }
  return {
    port,
    kind,
    tls: kind === 'tls',
    listeners,
    byHost,
    defaultListener: listeners.find((l) => l.hostname === undefined || l.hostname === '*') ?? null,
    requestCert: listeners.some((l) => l.tls?.clientValidation != null),
    tlsListeners,
    bySni,
    defaultSni: bySni !== null ? (sniOrder.find((l) => l.hostname === undefined || l.hostname === '*') ?? null) : null,
    tcp,
    listenerNames: [...sniOrder.map((l) => l.name), ...(tcp !== null ? [tcp.name] : [])],
  };
}

/**
 * An HTTP(S) listener. With the previous accepted compile of the same listener as a base (same
 * backend runtimes: see `CompileMemo.listenerBefore`), the listener is reused whole when its IR is
 * the same object; otherwise the virtual hosts at positions whose IR is the same object keep their
 * compiled form, and when the hostnames are those of the base at every position the host table is
 * the base's with the changed entries replaced. Anything else is compiled as if new (still
 * through the memo of frozen virtual hosts).
 */
function compileListener(l: HttpListenerIr, port: number, backends: ReadonlyMap<string, BackendRuntime>, ctx: CompileContext, memo: CompileMemo): CompiledListener {
  const base = memo.listenerBefore(l, port);
  if (base !== undefined && base.ir === l) {
    memo.rememberListener(base, true);
    return base.compiled;
  }
  const irHosts = l.virtualHosts;
  const before = base?.ir.virtualHosts;
  let compiled: CompiledVirtualHost[];
  /** Positions whose virtual host is not the base's object. */
  let changed: readonly number[];
  const compileAt = (i: number) => {
    const vh = irHosts[i]!;
    compiled[i] = memo.virtualHost(vh, backends, () => compileVirtualHost(vh, backends, ctx));
  };
  if (base !== undefined && before!.length === irHosts.length) {
    // The assembler may have said which positions changed; otherwise a pass of comparisons finds them.
    const edit = virtualHostEdit(l);
    changed = edit !== undefined && edit.base === base.ir ? edit.changed : changedPositions(before!, irHosts);
    compiled = base.vhosts.slice();
    memo.reusedVirtualHosts(irHosts.length - changed.length);
    for (const i of changed) compileAt(i);
  } else {
    compiled = new Array<CompiledVirtualHost>(irHosts.length);
    changed = [];
    for (let i = 0; i < irHosts.length; i++) {
      if (before !== undefined && before[i] === irHosts[i]) {
        compiled[i] = base!.vhosts[i]!;
        memo.reusedVirtualHosts(1);
      } else {
        compileAt(i);
      }
    }
  }
  let vhosts: HostTable<CompiledVirtualHost>;
  let winners: ReadonlyMap<string, number>;
  if (base !== undefined && before!.length === irHosts.length && changed.every((i) => before![i]!.hostname === irHosts[i]!.hostname)) {
    // Same hostnames at the same positions: the same entries win; replace those that changed.
    winners = base.winners;
    const entries: [string, CompiledVirtualHost][] = [];
    for (const i of changed) {
      const slot = HostTable.slotOf(irHosts[i]!.hostname);
      if (winners.get(slot) === i) entries.push([slot, compiled[i]!]);
    }
    vhosts = base.compiled.vhosts.withEntries(entries);
    memo.stats.patchedHostTables++;
  } else {
    vhosts = new HostTable<CompiledVirtualHost>();
    const first = new Map<string, number>();
    for (let i = 0; i < irHosts.length; i++) {
      const hostname = irHosts[i]!.hostname;
      vhosts.add(hostname, compiled[i]!);
      const slot = HostTable.slotOf(hostname);
      if (!first.has(slot)) first.set(slot, i);
    }
    winners = first;
  }
  // The certificates' secure contexts are kept while the listener's TLS IR is the same frozen object.
  const tls = l.protocol !== 'HTTPS' ? null : base?.ir.protocol === 'HTTPS' && base.ir.tls === l.tls && Object.isFrozen(l.tls) ? base.compiled.tls : compileListenerTls(l.name, l.tls);
  const listener: CompiledListener = { name: l.name, hostname: l.hostname, port, protocol: l.protocol, vhosts, tls };
  memo.rememberListener({ ir: l, port, compiled: listener, vhosts: compiled, winners }, false);
  return listener;
}

/** Positions at which two lists of the same length hold different objects. */
function changedPositions(before: readonly VirtualHost[], now: readonly VirtualHost[]): number[] {
  const changed: number[] = [];
  for (let i = 0; i < now.length; i++) if (before[i] !== now[i]) changed.push(i);
  return changed;
}

function compileVirtualHost(vh: VirtualHost, backends: ReadonlyMap<string, BackendRuntime>, ctx: CompileContext): CompiledVirtualHost {
  const rules = vh.rules.map((r) => compileRule(r, backends, ctx));
  return { hostname: vh.hostname, router: compileRouter(vh.matches, rules) };
}

function backendFor(id: string | null, backends: ReadonlyMap<string, BackendRuntime>): BackendRuntime | null {
  if (id === null) return null;
  const b = backends.get(id);
  if (b === undefined) throw new CompileError(undefined, 'Invalid', `unknown backend "${id}"`);
  return b;
}

function headerPlan(filters: readonly Filter[], type: 'RequestHeaderModifier' | 'ResponseHeaderModifier'): HeaderPlan | null {
  return HeaderPlan.compile(filters.flatMap((f) => (f.type === type ? [f.modifier] : [])));
}

/** Filters after a RequestRedirect never run: the redirect ends processing. */
function effectiveFilters(filters: readonly Filter[]): readonly Filter[] {
  const i = filters.findIndex((f) => f.type === 'RequestRedirect');
  return i < 0 ? filters : filters.slice(0, i + 1);
}

const NO_MIRRORS: readonly CompiledMirror[] = Object.freeze([]);

/**
 * Compiles a rule. Filters run in the order they are listed (rule-level first, then the
 * backendRef's): a later filter sees what the earlier ones did. What that means here:
 * - Host: the last of a URLRewrite hostname and a header modifier touching Host wins;
 * - a RequestMirror copies the request as the filters before it left it;
 * - on responses, the rule's ResponseHeaderModifier and CORS headers apply in their order,
 *   then the backendRef's ResponseHeaderModifier;
 * - nothing after a RequestRedirect runs.
 */
export function compileRule(r: HttpRule, backends: ReadonlyMap<string, BackendRuntime>, ctx: CompileContext): CompiledRule {
  const filters = effectiveFilters(r.filters);
  /** The last RequestHeaderModifier so far, compiled once (mirrors after it and the refs share it). */
  let requestPlan: HeaderPlan | null = null;
  let responsePlan: HeaderPlan | null = null;
  let redirect: RedirectFilter | null = null;
  /** Host as the filters so far leave it: a URLRewrite's hostname, or null (headers decide). */
  let rewriteHost: string | null = null;
  let rewritePath: CompiledRule['rewritePath'] = null;
  let cors: CorsPolicy | null = null;
  let corsFirst = false;
  const mirrors: CompiledMirror[] = [];
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        requestPlan = HeaderPlan.compile([f.modifier]);
        if (touchesHost(f.modifier)) rewriteHost = null;
        break;
      case 'ResponseHeaderModifier':
        responsePlan = HeaderPlan.compile([f.modifier]);
        corsFirst = cors !== null;
        break;
      case 'RequestRedirect':
        redirect = f;
        break;
      case 'URLRewrite':
        if (f.hostname !== undefined) rewriteHost = f.hostname;
        if (f.path !== undefined) rewritePath = f.path;
        break;
      case 'CORS':
        cors = new CorsPolicy(f);
        corsFirst = responsePlan === null;
        break;
      case 'RequestMirror': {
        const b = backendFor(f.backend, backends);
        if (b !== null && f.percent > 0) {
          mirrors.push({
            backend: b,
            percent: f.percent,
            requestPlan,
            rewriteHost,
            rewritePath,
          });
        }
        break;
      }
    }
  }
  const refs: CompiledBackendRef[] = r.backends.map((wb, index) => {
    const own = wb.filters ?? [];
    const ownRequest = own.flatMap((f) => (f.type === 'RequestHeaderModifier' ? [f.modifier] : []));
    return {
      index,
      backend: backendFor(wb.backend, backends),
      requestPlan: HeaderPlan.merge(requestPlan, HeaderPlan.compile(ownRequest)),
      rewriteHost: ownRequest.some(touchesHost) ? null : rewriteHost,
      responsePlan: headerPlan(own, 'ResponseHeaderModifier'),
    };
  });
  return {
    id: r.id,
    grpc: r.grpc === true,
    directStatus: r.directResponse?.status ?? 0,
    redirect,
    responsePlan,
    rewritePath,
    // One shared empty list for the (many) rules without mirrors.
    mirrors: mirrors.length > 0 ? mirrors : NO_MIRRORS,
    cors,
    corsFirst,
    // The picker holds `refs` itself (it is not changed after).
    picker: new WeightedPicker(refs, r.backends.map((b) => b.weight)),
    refs,
    requestMs: r.timeouts?.requestMs ?? 0,
    backendRequestMs: r.timeouts?.backendRequestMs ?? 0,
    retry:
      r.retry !== undefined && r.retry.attempts > 0
        ? { codes: new Set(r.retry.codes), attempts: r.retry.attempts, backoffMs: r.retry.backoffMs ?? 0 }
        : null,
    session: r.sessionPersistence !== undefined ? new SessionAffinity(r.sessionPersistence, r.id, ctx.sessionSecret) : null,
  };
}

/** Whether a header modifier sets, adds or removes Host (then it decides Host over an earlier URLRewrite). */
function touchesHost(m: HeaderModifier): boolean {
  const isHost = (n: string) => n.toLowerCase() === 'host';
  return (m.set ?? []).some((h) => isHost(h.name)) || (m.add ?? []).some((h) => isHost(h.name)) || (m.remove ?? []).some(isHost);
}

function compileListenerTls(listener: string, tls: TerminateTls): CompiledListenerTls {
  const ca = tls.clientValidation?.caCertificates;
  const byName = new HostTable<SecureContext>();
  let defaultContext: SecureContext | null = null;
  let defaultOptions: SecureContextOptions | null = null;
  tls.certificates.forEach((c, i) => {
    const options: SecureContextOptions = { cert: c.certificate, key: c.privateKey, ...(ca !== undefined ? { ca } : {}) };
    let context: SecureContext;
    let names: string[];
    try {
      context = createSecureContext(options);
      names = dnsNames(new X509Certificate(c.certificate));
    } catch (err) {
      throw new CompileError(listener, 'InvalidCertificateRef', `certificate ${i} of listener "${listener}": ${(err as Error).message}`);
    }
    for (const n of names) byName.add(n, context);
    if (defaultContext === null) {
      defaultContext = context;
      defaultOptions = options;
    }
  });
  return {
    byName,
    defaultContext: defaultContext!,
    defaultOptions: defaultOptions!,
    clientValidation: tls.clientValidation?.mode ?? null,
  };
}

function dnsNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san === undefined) return [];
  return san
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
}
