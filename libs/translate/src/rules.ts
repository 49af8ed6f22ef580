import type { GRPCRoute, HTTPRoute } from '@portway/api';
import { parseDuration, type BackendRefNode, type RouteNode, type RuleNode } from '@portway/graph';
import type { Filter, HeaderModifier, HttpRule, MatchEntry, WeightedBackend } from '@portway/ir';
import type { BackendRegistry } from './backends.js';
import type { GrpcRank } from './precedence.js';

type HttpRuleSpec = NonNullable<HTTPRoute['spec']['rules']>[number];
type GrpcRuleSpec = NonNullable<GRPCRoute['spec']['rules']>[number];
type FilterSpec = NonNullable<HttpRuleSpec['filters']>[number];
type ModifierSpec = FilterSpec['requestHeaderModifier'];

/** The IR rule for one HTTPRoute or GRPCRoute rule (shared by every match and hostname of the rule). */
export function translateRule(route: RouteNode, rule: RuleNode, backends: BackendRegistry): HttpRule {
  const grpc = route.kind === 'GRPCRoute';
  const spec = ((route.source.spec as { rules?: (HttpRuleSpec | GrpcRuleSpec)[] }).rules ?? [])[rule.index]!;
  const ns = route.source.metadata.namespace ?? 'default';
  const out: HttpRule = {
    id: `${route.kind}/${ns}/${route.source.metadata.name}/${rule.index}`,
    route: {
      kind: route.kind as 'HTTPRoute' | 'GRPCRoute',
      namespace: ns,
      name: route.source.metadata.name,
      rule: rule.index,
      ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
    },
    ...(grpc ? { grpc: true } : {}),
    filters: [],
    backends: rule.backendRefs.map((b) => weighted(b, backends, grpc)),
  };
  let unsupported: string | undefined;
  (spec.filters ?? []).forEach((f, i) => {
    const filter = translateFilter(f as FilterSpec, rule.mirrors[i], backends, grpc);
    if (filter === 'unsupported') unsupported ??= f.type;
    else if (filter) out.filters.push(filter);
  });
  if (rule.problem || unsupported) out.directResponse = { status: 500 };

  if (!grpc) {
    const http = spec as HttpRuleSpec;
    const requestMs = parseDuration(http.timeouts?.request);
    const backendRequestMs = parseDuration(http.timeouts?.backendRequest);
    if (requestMs || backendRequestMs) {
      out.timeouts = { ...(requestMs ? { requestMs } : {}), ...(backendRequestMs ? { backendRequestMs } : {}) };
    }
    if (http.retry) {
      const backoffMs = parseDuration(http.retry.backoff);
      out.retry = {
        codes: http.retry.codes ?? [],
        attempts: http.retry.attempts ?? 1,
        ...(backoffMs !== undefined ? { backoffMs } : {}),
      };
    }
  }
  // A rule's own sessionPersistence wins over one from its backends' XBackendTrafficPolicy.
  const sp =
    (spec as { sessionPersistence?: SessionPersistenceSpec }).sessionPersistence ??
    rule.backendRefs.map((b) => b.backend?.traffic?.sessionPersistence).find((x) => x !== undefined);
  if (sp) out.sessionPersistence = sessionPersistence(sp, out.id);
  return out;
}

interface SessionPersistenceSpec {
  sessionName?: string;
  type?: 'Cookie' | 'Header';
  absoluteTimeout?: string;
  idleTimeout?: string;
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' };
  /** Already resolved by the graph (from an XBackendTrafficPolicy). */
  name?: string;
  absoluteTimeoutMs?: number;
  idleTimeoutMs?: number;
  cookieLifetime?: 'Permanent' | 'Session';
}

function sessionPersistence(sp: SessionPersistenceSpec, ruleId: string): NonNullable<HttpRule['sessionPersistence']> {
  const type = sp.type ?? 'Cookie';
  const absoluteTimeoutMs = sp.absoluteTimeoutMs ?? parseDuration(sp.absoluteTimeout);
  const idleTimeoutMs = sp.idleTimeoutMs ?? parseDuration(sp.idleTimeout);
  return {
    type,
    // Without a sessionName the name is Portway's own, unique per rule.
    name: sp.sessionName ?? sp.name ?? `portway-session-${hashName(ruleId)}`,
    ...(absoluteTimeoutMs !== undefined ? { absoluteTimeoutMs } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(type === 'Cookie' ? { cookieLifetime: sp.cookieConfig?.lifetimeType ?? sp.cookieLifetime ?? 'Session' } : {}),
  };
}

function hashName(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

function weighted(b: BackendRefNode, backends: BackendRegistry, grpc: boolean): WeightedBackend {
  const filters = (b.filters as FilterSpec[])
    .map((f) => translateFilter(f, undefined, backends, grpc))
    .filter((f): f is Filter => typeof f === 'object');
  return {
    backend: b.backend && !b.backend.unusable ? backends.add(b.backend, grpc) : null,
    weight: b.weight,
    ...(filters.length > 0 ? { filters } : {}),
  };
}

function modifier(m: ModifierSpec): HeaderModifier {
  return {
    ...(m?.set?.length ? { set: m.set.map(({ name, value }) => ({ name, value })) } : {}),
    ...(m?.add?.length ? { add: m.add.map(({ name, value }) => ({ name, value })) } : {}),
    ...(m?.remove?.length ? { remove: [...m.remove] } : {}),
  };
}

/** One spec filter to its IR filter; 'unsupported' for filters Portway cannot run (the rule answers 500). */
function translateFilter(
  f: FilterSpec,
  mirror: BackendRefNode | undefined,
  backends: BackendRegistry,
  grpc: boolean,
): Filter | 'unsupported' | undefined {
  switch (f.type) {
    case 'RequestHeaderModifier':
      return { type: 'RequestHeaderModifier', modifier: modifier(f.requestHeaderModifier) };
    case 'ResponseHeaderModifier':
      return { type: 'ResponseHeaderModifier', modifier: modifier(f.responseHeaderModifier) };
    case 'RequestRedirect': {
      const r = f.requestRedirect!;
      const path = r.path
        ? r.path.type === 'ReplaceFullPath'
          ? { type: 'ReplaceFullPath' as const, value: r.path.replaceFullPath ?? '/' }
          : { type: 'ReplacePrefixMatch' as const, value: r.path.replacePrefixMatch ?? '/' }
        : undefined;
      return {
        type: 'RequestRedirect',
        ...(r.scheme ? { scheme: r.scheme } : {}),
        ...(r.hostname ? { hostname: r.hostname } : {}),
        ...(r.port ? { port: r.port } : {}),
        ...(path ? { path } : {}),
        statusCode: r.statusCode ?? 302,
      };
    }
    case 'URLRewrite': {
      const r = f.urlRewrite!;
      const path = r.path
        ? r.path.type === 'ReplaceFullPath'
          ? { type: 'ReplaceFullPath' as const, value: r.path.replaceFullPath ?? '/' }
          : { type: 'ReplacePrefixMatch' as const, value: r.path.replacePrefixMatch ?? '/' }
        : undefined;
      return { type: 'URLRewrite', ...(r.hostname ? { hostname: r.hostname } : {}), ...(path ? { path } : {}) };
    }
    case 'RequestMirror': {
      const m = f.requestMirror!;
      const percent =
        m.percent !== undefined
          ? m.percent
          : m.fraction
            ? (m.fraction.numerator / (m.fraction.denominator ?? 100)) * 100
            : 100;
      return {
        type: 'RequestMirror',
        backend: mirror?.backend && !mirror.backend.unusable ? backends.add(mirror.backend, grpc) : null,
        percent: Math.min(100, Math.max(0, percent)),
      };
    }
    case 'CORS': {
      const c = f.cors ?? {};
      return {
        type: 'CORS',
        allowOrigins: c.allowOrigins ?? [],
        ...(c.allowCredentials !== undefined ? { allowCredentials: c.allowCredentials } : {}),
        allowMethods: (c.allowMethods ?? []) as string[],
        allowHeaders: c.allowHeaders ?? [],
        exposeHeaders: c.exposeHeaders ?? [],
        ...(c.maxAge !== undefined ? { maxAge: c.maxAge } : {}),
      };
    }
    default:
      return 'unsupported';
  }
}

type HttpMatchSpec = NonNullable<HttpRuleSpec['matches']>[number];
type GrpcMatchSpec = NonNullable<GrpcRuleSpec['matches']>[number];

/** One IR match (without the rule index) and, for GRPCRoute matches, what its precedence depends on. */
export interface TranslatedMatch {
  match: Omit<MatchEntry, 'rule'>;
  grpc?: GrpcRank;
}

/** The IR matches of a rule, in spec order. A rule without matches matches everything. */
export function translateMatches(route: RouteNode, rule: RuleNode): TranslatedMatch[] {
  const spec = ((route.source.spec as { rules?: { matches?: unknown[] }[] }).rules ?? [])[rule.index]!;
  const matches = spec.matches && spec.matches.length > 0 ? spec.matches : [{}];
  return route.kind === 'GRPCRoute'
    ? (matches as GrpcMatchSpec[]).map((m) => ({ match: grpcMatch(m), grpc: grpcRank(m) }))
    : (matches as HttpMatchSpec[]).map((m) => ({ match: httpMatch(m) }));
}

function grpcRank(m: GrpcMatchSpec): GrpcRank {
  return { service: Boolean(m.method?.service), method: Boolean(m.method?.method) };
}

function httpMatch(m: HttpMatchSpec): Omit<MatchEntry, 'rule'> {
  const type = m.path?.type ?? 'PathPrefix';
  let value = m.path?.value ?? '/';
  // Prefix matching is element-wise: "/foo/" and "/foo" match the same paths.
  if (type === 'PathPrefix' && value.length > 1) value = value.replace(/\/+$/, '') || '/';
  return {
    path: { type, value },
    ...(m.method ? { method: m.method } : {}),
    ...(m.headers?.length
      ? { headers: m.headers.map((h) => ({ type: h.type ?? 'Exact', name: h.name.toLowerCase(), value: h.value })) }
      : {}),
    ...(m.queryParams?.length
      ? { queryParams: m.queryParams.map((q) => ({ type: q.type ?? 'Exact', name: q.name, value: q.value })) }
      : {}),
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * gRPC method matches become matches on the HTTP/2 path "/<service>/<method>". Regular
 * expressions are grouped, so an alternation in one part cannot reach into the other.
 */
function grpcMatch(m: GrpcMatchSpec): Omit<MatchEntry, 'rule'> {
  const method = m.method;
  const headers = m.headers?.length
    ? { headers: m.headers.map((h) => ({ type: h.type ?? 'Exact', name: h.name.toLowerCase(), value: h.value })) }
    : {};
  let path: MatchEntry['path'];
  if (!method || (!method.service && !method.method)) {
    path = { type: 'PathPrefix', value: '/' };
  } else if ((method.type ?? 'Exact') === 'Exact') {
    if (method.service && method.method) path = { type: 'Exact', value: `/${method.service}/${method.method}` };
    else if (method.service) path = { type: 'PathPrefix', value: `/${method.service}` };
    else path = { type: 'RegularExpression', value: `/[^/]+/${escapeRegExp(method.method!)}` };
  } else {
    path = { type: 'RegularExpression', value: `/(?:${method.service ?? '[^/]+'})/(?:${method.method ?? '[^/]+'})` };
  }
  return { path, ...headers };
}
