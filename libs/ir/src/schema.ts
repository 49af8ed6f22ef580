/**
 * The data-plane IR: what an agent needs to serve one Gateway in one cluster, and nothing about
 * the Gateway API objects it came from. The translator builds it (pure), the bus carries it, the
 * agent validates it against this schema and compiles it into routers and pools.
 *
 * The schema is declared once with TypeBox: the TypeScript types below are derived from it, and
 * `validateGatewayConfig` checks a value against the very same definition.
 *
 * Conventions: header names in matches are lower-case; durations are milliseconds; a
 * RegularExpression (JavaScript syntax) must match the whole value (it is anchored); every list
 * that the proxy evaluates in order is already in its final order (the translator applies the
 * spec's precedence rules, the proxy never re-sorts).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const IR_API_VERSION = 'portway.dev/ir/v1';

const Str = Type.String();
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Ms = Type.Integer({ minimum: 0 });
const Pem = Type.String({ minLength: 1 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

// ───────────────────────────── matches ─────────────────────────────

export const PathMatchSchema = Type.Object({
  type: Type.Union([Type.Literal('Exact'), Type.Literal('PathPrefix'), Type.Literal('RegularExpression')]),
  /** For PathPrefix the value has no trailing slash except for "/" itself: matching is element-wise. */
  value: Str,
});

export const ValueMatchSchema = Type.Object({
  type: Type.Union([Type.Literal('Exact'), Type.Literal('RegularExpression')]),
  /** Header names are lower-case; query parameter names are exact (case-sensitive). */
  name: Str,
  value: Str,
});

/** One (rule, match) pair of a route. A virtual host holds them in precedence order. */
export const MatchEntrySchema = Type.Object({
  /** Index into `VirtualHost.rules`. */
  rule: Type.Integer({ minimum: 0 }),
  path: PathMatchSchema,
  method: Type.Optional(Str),
  headers: Type.Optional(Type.Array(ValueMatchSchema)),
  queryParams: Type.Optional(Type.Array(ValueMatchSchema)),
});

// ───────────────────────────── filters ─────────────────────────────

export const HeaderValueSchema = Type.Object({ name: Str, value: Str });

export const HeaderModifierSchema = Type.Object({
  set: Type.Optional(Type.Array(HeaderValueSchema)),
  add: Type.Optional(Type.Array(HeaderValueSchema)),
  remove: Type.Optional(Type.Array(Str)),
});

export const PathModifierSchema = Type.Union([
  Type.Object({ type: Type.Literal('ReplaceFullPath'), value: Str }),
  /** Replaces the prefix the request matched (the matching entry's PathPrefix value) with `value`. */
  Type.Object({ type: Type.Literal('ReplacePrefixMatch'), value: Str }),
]);

export const FilterSchema = Type.Union([
  Type.Object({ type: Type.Literal('RequestHeaderModifier'), modifier: HeaderModifierSchema }),
  Type.Object({ type: Type.Literal('ResponseHeaderModifier'), modifier: HeaderModifierSchema }),
  Type.Object({
    type: Type.Literal('RequestRedirect'),
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
    hostname: Type.Optional(Str),
    /** Absent: derived from the scheme (80/443) when a scheme is given, else the listener's port. */
    port: Type.Optional(Port),
    path: Type.Optional(PathModifierSchema),
    statusCode: Type.Integer({ minimum: 300, maximum: 399 }),
  }),
  Type.Object({
    type: Type.Literal('URLRewrite'),
    hostname: Type.Optional(Str),
    path: Type.Optional(PathModifierSchema),
  }),
  Type.Object({
    type: Type.Literal('RequestMirror'),
    /** Backend id in `GatewayConfig.backends`; null when the mirror's backendRef did not resolve (nothing is mirrored). */
    backend: Nullable(Str),
    /** Share of requests mirrored, 0..100 (fractions allowed). */
    percent: Type.Number({ minimum: 0, maximum: 100 }),
  }),
  Type.Object({
    type: Type.Literal('CORS'),
    allowOrigins: Type.Array(Str),
    allowCredentials: Type.Optional(Type.Boolean()),
    allowMethods: Type.Array(Str),
    allowHeaders: Type.Array(Str),
    exposeHeaders: Type.Array(Str),
    /** Seconds; absent means the spec default (5). */
    maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
]);

// ───────────────────────────── backends ─────────────────────────────

export const EndpointSchema = Type.Object({
  address: Str,
  port: Port,
  /** Cluster the endpoint lives in (multi-cluster); absent means the local cluster. */
  cluster: Type.Optional(Str),
  /**
   * Reach the endpoint through its cluster's east-west gateway (an agent's mutual-TLS listener
   * at this address and port) rather than directly. Absent: dialed directly (flat network). The
   * translator fills it for endpoints of clusters configured with a gateway; not supported for
   * UDP (such endpoints are not used by UDP routes).
   */
  via: Type.Optional(Type.Object({ address: Str, port: Port })),
  zone: Type.Optional(Str),
  /** EndpointSlice `conditions.ready` (absent counts as ready). */
  ready: Type.Boolean(),
});

export const BackendTlsSchema = Type.Object({
  /** SNI and the name the certificate is checked against (unless `subjectAltNames` is set). */
  serverName: Str,
  caCertificates: Type.Optional(Type.Array(Pem)),
  /** Trust the system's CA bundle (BackendTLSPolicy `wellKnownCACertificates: System`). */
  systemCAs: Type.Optional(Type.Boolean()),
  subjectAltNames: Type.Optional(
    Type.Array(Type.Object({ type: Type.Union([Type.Literal('Hostname'), Type.Literal('URI')]), value: Str })),
  ),
  /** Client certificate presented to the backend (Gateway `spec.tls.backend.clientCertificateRef`). */
  clientCertificate: Type.Optional(Type.Object({ certificate: Pem, privateKey: Pem })),
});

export const RetryBudgetSchema = Type.Object({
  /** Retries may add at most this share of active requests (0..100). */
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  intervalMs: Ms,
  /** Retries always allowed at this rate regardless of the budget. */
  minRetries: Type.Integer({ minimum: 0 }),
  minRetryIntervalMs: Ms,
});

export const ClusterPolicySchema = Type.Object({
  /** Spread: all healthy endpoints of the ClusterSet; PreferClose: local first, spill by priority; Weighted: `weights`. */
  mode: Type.Union([Type.Literal('Spread'), Type.Literal('PreferClose'), Type.Literal('Weighted')]),
  weights: Type.Optional(Type.Record(Str, Type.Integer({ minimum: 0 }))),
  /** Clusters in failover priority order (after the local cluster for PreferClose). */
  failoverOrder: Type.Optional(Type.Array(Str)),
});

/**
 * Health checking of a backend's endpoints. `active`: the agent's primary process probes each
 * endpoint every `intervalMs` (HTTP: a GET of `path`, healthy when the status is one of
 * `expectedStatuses`, absent meaning 200–399; TCP: a connection opens), a probe taking longer than
 * `timeoutMs` fails; an endpoint turns unhealthy after `unhealthyThreshold` failures in a row and
 * healthy again after `healthyThreshold` successes, and leaves rotation in every worker at once.
 * `passive`: outlier detection on live traffic (5xx answers, connection errors, timeouts).
 */
export const HealthCheckSchema = Type.Object({
  active: Type.Optional(
    Type.Object({
      type: Type.Union([Type.Literal('HTTP'), Type.Literal('TCP')]),
      path: Type.Optional(Str),
      /** HTTP: statuses that count as healthy (absent: 200–399). */
      expectedStatuses: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }))),
      intervalMs: Ms,
      timeoutMs: Ms,
      healthyThreshold: Type.Integer({ minimum: 1 }),
      unhealthyThreshold: Type.Integer({ minimum: 1 }),
    }),
  ),
  passive: Type.Optional(
    Type.Object({
      consecutiveErrors: Type.Integer({ minimum: 1 }),
      baseEjectionMs: Ms,
      maxEjectionPercent: Type.Number({ minimum: 0, maximum: 100 }),
    }),
  ),
});

/** A resolved backendRef target: one Service (or ServiceImport) port and its endpoints. */
export const BackendSchema = Type.Object({
  /** e.g. "Service/ns/name:8080", "ServiceImport/ns/name:80". */
  id: Str,
  /** Application protocol to the backend. */
  protocol: Type.Union([Type.Literal('HTTP1'), Type.Literal('H2C'), Type.Literal('H2'), Type.Literal('WebSocket')]),
  tls: Type.Optional(BackendTlsSchema),
  endpoints: Type.Array(EndpointSchema),
  clusterPolicy: Type.Optional(ClusterPolicySchema),
  healthCheck: Type.Optional(HealthCheckSchema),
  retryBudget: Type.Optional(RetryBudgetSchema),
});

export const WeightedBackendSchema = Type.Object({
  /** Backend id in `GatewayConfig.backends`; null when the backendRef is invalid: requests that pick it get 500. */
  backend: Nullable(Str),
  weight: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  /** backendRef-level filters (header modifiers), applied only to requests sent to this backend. */
  filters: Type.Optional(Type.Array(FilterSchema)),
});

// ───────────────────────────── HTTP rules ─────────────────────────────

export const RouteRefSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('HTTPRoute'),
    Type.Literal('GRPCRoute'),
    Type.Literal('TLSRoute'),
    Type.Literal('TCPRoute'),
    Type.Literal('UDPRoute'),
  ]),
  namespace: Str,
  name: Str,
  /** Index of the rule in the route's spec. */
  rule: Type.Integer({ minimum: 0 }),
  /** `rules[].name`, when the rule has one. */
  ruleName: Type.Optional(Str),
});

export const SessionPersistenceSchema = Type.Object({
  type: Type.Union([Type.Literal('Cookie'), Type.Literal('Header')]),
  /** Cookie or header name. */
  name: Str,
  absoluteTimeoutMs: Type.Optional(Ms),
  idleTimeoutMs: Type.Optional(Ms),
  /** Cookie only: Permanent cookies carry Max-Age / Expires. */
  cookieLifetime: Type.Optional(Type.Union([Type.Literal('Permanent'), Type.Literal('Session')])),
});

export const HttpRuleSchema = Type.Object({
  /** Unique within the config, e.g. "HTTPRoute/ns/name/0". */
  id: Str,
  route: RouteRefSchema,
  /** A GRPCRoute rule: errors the gateway generates are gRPC statuses. */
  grpc: Type.Optional(Type.Boolean()),
  /** Applied in this order. A RequestRedirect ends processing with the redirect response. */
  filters: Type.Array(FilterSchema),
  backends: Type.Array(WeightedBackendSchema),
  /**
   * Set when the rule cannot forward (for example every backendRef is invalid, or a filter is not
   * supported): the gateway answers with this status itself.
   */
  directResponse: Type.Optional(Type.Object({ status: Type.Integer({ minimum: 100, maximum: 599 }) })),
  timeouts: Type.Optional(Type.Object({ requestMs: Type.Optional(Ms), backendRequestMs: Type.Optional(Ms) })),
  retry: Type.Optional(
    Type.Object({
      /** Response codes that are retried. */
      codes: Type.Array(Type.Integer({ minimum: 100, maximum: 599 })),
      /** Maximum number of retries (not counting the first try). */
      attempts: Type.Integer({ minimum: 0 }),
      backoffMs: Type.Optional(Ms),
    }),
  ),
  sessionPersistence: Type.Optional(SessionPersistenceSchema),
});

export const VirtualHostSchema = Type.Object({
  /** "*" (any host), an exact name, or "*.suffix". */
  hostname: Str,
  matches: Type.Array(MatchEntrySchema),
  rules: Type.Array(HttpRuleSchema),
  /**
   * Hostname of the next, less specific virtual host of the same listener whose rules apply when
   * none of this one's match (routes with a more specific hostname take precedence, they do not
   * hide the others). Absent: no fallback, the request gets 404.
   */
  fallback: Type.Optional(Str),
});

// ───────────────────────────── listeners ─────────────────────────────

export const TerminateTlsSchema = Type.Object({
  /** Served by SNI among the listener's certificates (the first is the default). */
  certificates: Type.Array(Type.Object({ certificate: Pem, privateKey: Pem }), { minItems: 1 }),
  clientValidation: Type.Optional(
    Type.Object({
      caCertificates: Type.Array(Pem, { minItems: 1 }),
      mode: Type.Union([Type.Literal('AllowValidOnly'), Type.Literal('AllowInsecureFallback')]),
    }),
  ),
});

export const L4RouteSchema = Type.Object({
  id: Str,
  route: RouteRefSchema,
  /** TLS routes: SNI names (exact or "*.suffix") this route serves; empty means any. */
  hostnames: Type.Array(Str),
  backends: Type.Array(WeightedBackendSchema),
});

const ListenerCommon = {
  /** Unique within the config: "<gateway-ns>/<gateway>/<listener>" or "<ns>/<listenerset>/<listener>" for ListenerSet listeners. */
  name: Str,
  /** Listener hostname (exact or "*.suffix"); absent matches any host. */
  hostname: Type.Optional(Str),
};

/** The listener variants, with `vhost` as the schema of their virtual hosts. */
function listenerSchema<V extends TSchema>(vhost: V) {
  return Type.Union([
    Type.Object({ ...ListenerCommon, protocol: Type.Literal('HTTP'), virtualHosts: Type.Array(vhost) }),
    Type.Object({
      ...ListenerCommon,
      protocol: Type.Literal('HTTPS'),
      tls: TerminateTlsSchema,
      virtualHosts: Type.Array(vhost),
    }),
    Type.Object({ ...ListenerCommon, protocol: Type.Literal('TLS'), mode: Type.Literal('Passthrough'), routes: Type.Array(L4RouteSchema) }),
    Type.Object({
      ...ListenerCommon,
      protocol: Type.Literal('TLS'),
      mode: Type.Literal('Terminate'),
      tls: TerminateTlsSchema,
      routes: Type.Array(L4RouteSchema),
    }),
    Type.Object({ ...ListenerCommon, protocol: Type.Literal('TCP'), routes: Type.Array(L4RouteSchema) }),
    Type.Object({ ...ListenerCommon, protocol: Type.Literal('UDP'), routes: Type.Array(L4RouteSchema) }),
  ]);
}

/**
 * The listeners sharing one port. On a port with HTTP listeners the Host header picks the
 * listener; with TLS (HTTPS or TLS listeners) the SNI does. Listeners are ordered most specific
 * hostname first (exact, then wildcards by length, then no hostname): the first that matches wins.
 */
function portSchema<V extends TSchema>(vhost: V) {
  return Type.Object({
    port: Port,
    listeners: Type.Array(listenerSchema(vhost), { minItems: 1 }),
  });
}

function gatewayConfigSchema<V extends TSchema>(vhost: V) {
  return Type.Object({
    apiVersion: Type.Literal(IR_API_VERSION),
    gateway: Type.Object({ namespace: Str, name: Str, generation: Type.Integer({ minimum: 0 }) }),
    /** Cluster this config is for; "" in single-cluster and standalone mode. */
    cluster: Str,
    /** IP addresses to bind. Empty: the agent's own address. */
    addresses: Type.Array(Str),
    ports: Type.Array(portSchema(vhost)),
    backends: Type.Record(Str, BackendSchema),
    /** `spec.infrastructure` labels and annotations, shown by the agent's status endpoint. */
    infrastructure: Type.Optional(
      Type.Object({ labels: Type.Record(Str, Str), annotations: Type.Record(Str, Str) }),
    ),
  });
}

export const ListenerSchema = listenerSchema(VirtualHostSchema);
export const PortSchema = portSchema(VirtualHostSchema);
export const GatewayConfigSchema = gatewayConfigSchema(VirtualHostSchema);

/**
 * `GatewayConfigSchema` with the virtual hosts left unchecked (any value): `validateGatewayConfig`
 * checks the rest of a config with it and each virtual host on its own, remembering the result
 * for frozen ones.
 */
export const GatewayConfigShellSchema = gatewayConfigSchema(Type.Unknown());

export type PathMatch = Static<typeof PathMatchSchema>;
export type ValueMatch = Static<typeof ValueMatchSchema>;
export type MatchEntry = Static<typeof MatchEntrySchema>;
export type HeaderModifier = Static<typeof HeaderModifierSchema>;
export type PathModifier = Static<typeof PathModifierSchema>;
export type Filter = Static<typeof FilterSchema>;
export type Endpoint = Static<typeof EndpointSchema>;
export type BackendTls = Static<typeof BackendTlsSchema>;
export type RetryBudget = Static<typeof RetryBudgetSchema>;
export type ClusterPolicy = Static<typeof ClusterPolicySchema>;
export type HealthCheck = Static<typeof HealthCheckSchema>;
export type Backend = Static<typeof BackendSchema>;
export type WeightedBackend = Static<typeof WeightedBackendSchema>;
export type RouteRef = Static<typeof RouteRefSchema>;
export type SessionPersistence = Static<typeof SessionPersistenceSchema>;
export type HttpRule = Static<typeof HttpRuleSchema>;
export type VirtualHost = Static<typeof VirtualHostSchema>;
export type TerminateTls = Static<typeof TerminateTlsSchema>;
export type L4Route = Static<typeof L4RouteSchema>;
export type Listener = Static<typeof ListenerSchema>;
export type PortConfig = Static<typeof PortSchema>;
export type GatewayConfig = Static<typeof GatewayConfigSchema>;
