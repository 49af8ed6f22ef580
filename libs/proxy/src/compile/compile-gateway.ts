/**
 * Compiles one validated GatewayConfig into the structures the hot path reads (see
 * compiled-types.ts). Pure apart from building TLS secure contexts and looking up upstreams
 * in the registry (which only creates lazy handles: no socket is opened here).
 * Throws a CompileError naming the listener when something cannot be compiled.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { Filter, GatewayConfig, HttpRule, Listener, TerminateTls, VirtualHost } from '@portway/ir';
import { BackendRuntime } from '../backends/backend-runtime.js';
import { SessionAffinity } from '../backends/session-affinity.js';
import { WeightedPicker } from '../backends/weighted-picker.js';
import { CorsPolicy } from '../filters/cors.js';
import { HeaderPlan } from '../filters/header-plan.js';
import { HostTable } from '../routing/host-table.js';
import { compileRouter } from '../routing/router.js';
import type { UpstreamRegistry } from '../upstream/upstream.js';
import type {
  CompiledBackendRef,
  CompiledGateway,
  CompiledListener,
  CompiledListenerTls,
  CompiledMirror,
  CompiledPort,
  CompiledRule,
  CompiledVirtualHost,
  ListenerIssue,
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
}

export function compileGateway(config: GatewayConfig, ctx: CompileContext): CompiledGateway {
  const backends = new Map<string, BackendRuntime>();
  for (const [id, b] of Object.entries(config.backends)) backends.set(id, new BackendRuntime(b, ctx.registry));
  const upstreamKeys = new Set<string>();
  for (const b of backends.values()) for (const u of b.ready) upstreamKeys.add(u.key);

  const issues: ListenerIssue[] = [];
  const ports: CompiledPort[] = [];
  for (const p of config.ports) {
    const isTls = p.listeners.some((l) => l.protocol === 'HTTPS');
    const listeners: CompiledListener[] = [];
    for (const l of p.listeners) {
      if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') {
        issues.push({ listener: l.name, reason: 'UnsupportedProtocol', message: `protocol ${l.protocol} is not served by this proxy yet` });
        continue;
      }
      if (isTls !== (l.protocol === 'HTTPS')) {
        issues.push({
          listener: l.name,
          reason: 'ProtocolConflict',
          message: `port ${p.port} mixes HTTP and HTTPS listeners; ${l.protocol} listener "${l.name}" is not served`,
        });
        continue;
      }
      listeners.push(compileListener(l, p.port, backends, ctx));
    }
    if (listeners.length === 0) continue;
    const byHost = new HostTable<CompiledListener>();
    for (const l of listeners) byHost.add(l.hostname, l);
    ports.push({
      port: p.port,
      tls: isTls,
      listeners,
      byHost,
      defaultListener: listeners.find((l) => l.hostname === undefined || l.hostname === '*') ?? null,
      requestCert: listeners.some((l) => l.tls?.clientValidation != null),
    });
  }
  return {
    key: `${config.gateway.namespace}/${config.gateway.name}`,
    generation: config.gateway.generation,
    addresses: config.addresses.length > 0 ? [...new Set(config.addresses)] : [ctx.defaultAddress],
    ports,
    issues,
    upstreamKeys,
  };
}

function compileListener(
  l: Extract<Listener, { protocol: 'HTTP' | 'HTTPS' }>,
  port: number,
  backends: ReadonlyMap<string, BackendRuntime>,
  ctx: CompileContext,
): CompiledListener {
  const vhosts = new HostTable<CompiledVirtualHost>();
  for (const vh of l.virtualHosts) vhosts.add(vh.hostname, compileVirtualHost(vh, backends, ctx));
  return {
    name: l.name,
    hostname: l.hostname,
    port,
    protocol: l.protocol,
    vhosts,
    tls: l.protocol === 'HTTPS' ? compileListenerTls(l.name, l.tls) : null,
  };
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

export function compileRule(r: HttpRule, backends: ReadonlyMap<string, BackendRuntime>, ctx: CompileContext): CompiledRule {
  const filters = effectiveFilters(r.filters);
  const requestPlan = headerPlan(filters, 'RequestHeaderModifier');
  const responsePlan = headerPlan(filters, 'ResponseHeaderModifier');
  let redirect: RedirectFilter | null = null;
  let rewriteHost: string | null = null;
  let rewritePath: CompiledRule['rewritePath'] = null;
  let cors: CorsPolicy | null = null;
  const mirrors: CompiledMirror[] = [];
  for (const f of filters) {
    if (f.type === 'RequestRedirect') redirect = f;
    else if (f.type === 'URLRewrite') {
      if (f.hostname !== undefined) rewriteHost = f.hostname;
      if (f.path !== undefined) rewritePath = f.path;
    } else if (f.type === 'CORS') cors = new CorsPolicy(f);
    else if (f.type === 'RequestMirror') {
      const b = backendFor(f.backend, backends);
      if (b !== null && f.percent > 0) mirrors.push({ backend: b, percent: f.percent });
    }
  }
  const refs: CompiledBackendRef[] = r.backends.map((wb, index) => {
    const own = wb.filters ?? [];
    return {
      index,
      backend: backendFor(wb.backend, backends),
      requestPlan: HeaderPlan.merge(requestPlan, headerPlan(own, 'RequestHeaderModifier')),
      responsePlan: HeaderPlan.merge(responsePlan, headerPlan(own, 'ResponseHeaderModifier')),
    };
  });
  return {
    id: r.id,
    grpc: r.grpc === true,
    directStatus: r.directResponse?.status ?? 0,
    redirect,
    responsePlan,
    rewriteHost,
    rewritePath,
    mirrors,
    cors,
    picker: new WeightedPicker(refs.map((ref) => ({ item: ref, weight: r.backends[ref.index]!.weight }))),
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
