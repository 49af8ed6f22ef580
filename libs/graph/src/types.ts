/**
 * The graph: Gateway API objects resolved against each other, with every condition computed.
 * Nodes keep their `source` object; everything else is derived by `buildGraph`.
 */
import type {
  BackendTLSPolicy,
  Gateway,
  GatewayClass,
  ListenerSet,
  Route,
  RouteKind,
} from '@portway/api';
import type { Condition } from './conditions.js';

export interface GroupKind {
  group: string;
  kind: string;
}

export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface GatewayClassNode {
  source: GatewayClass;
  accepted: boolean;
  conditions: Condition[];
}

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

/** A certificate and key in PEM, from a `kubernetes.io/tls` Secret. */
export interface CertificateKeyPair {
  certificate: string;
  privateKey: string;
}

export interface ListenerNode {
  /** Unique key, also the IR listener name: "<ns>/<gateway or listenerset>/<listener>". */
  key: string;
  name: string;
  /** The object that declares the listener (its Gateway, or a ListenerSet). */
  owner: ObjectRef;
  /** Key ("ns/name") of the Gateway it belongs to. */
  gateway: string;
  port: number;
  protocol: string;
  hostname?: string;
  tlsMode?: 'Terminate' | 'Passthrough';
  certificates: CertificateKeyPair[];
  /** Client certificate validation (Gateway `spec.tls.frontend`), resolved for this listener's port. */
  frontendValidation?: { caCertificates: string[]; mode: 'AllowValidOnly' | 'AllowInsecureFallback' };
  allowedNamespaces: { from: 'Same' | 'All' | 'Selector' | 'None'; selector?: import('./selectors.js').LabelSelector };
  /** Route kinds this listener accepts (allowedRoutes.kinds that are valid for the protocol, or the protocol's defaults). */
  supportedKinds: GroupKind[];
  /** Accepted=True (valid protocol, no conflict): routes may attach. */
  accepted: boolean;
  /** ResolvedRefs=True. A listener with unresolved refs still takes routes but is not programmed. */
  resolvedRefs: boolean;
  conditions: Condition[];
  /** Routes attached (counted once per route, whatever the number of its parentRefs). */
  attachedRoutes: number;
}

export interface GatewayNode {
  source: Gateway;
  /** "namespace/name" */
  key: string;
  /** Accepted=True: listeners are served. */
  accepted: boolean;
  conditions: Condition[];
  /** Gateway listeners first, in spec order, then accepted ListenerSets' listeners by precedence. */
  listeners: ListenerNode[];
  /** Keys of ListenerSets attached to this Gateway (accepted ones). */
  attachedListenerSets: string[];
  /** Client certificate presented to backends (`spec.tls.backend.clientCertificateRef`), when resolved. */
  backendClientCertificate?: CertificateKeyPair;
}

export interface ListenerSetNode {
  source: ListenerSet;
  key: string;
  /** Parent Gateway key, when the parent is one of Portway's Gateways. */
  gateway?: string;
  accepted: boolean;
  conditions: Condition[];
  listeners: ListenerNode[];
}

/** How one parentRef of a route resolved. */
export interface ParentNode {
  /** The parentRef as written, with defaults filled in (group, kind, namespace). */
  ref: {
    group: string;
    kind: string;
    namespace: string;
    name: string;
    sectionName?: string;
    port?: number;
  };
  /** Index of the parentRef in spec.parentRefs. */
  index: number;
  /** Gateway key the parent belongs to (a ListenerSet parent belongs to its Gateway). */
  gateway: string;
  accepted: boolean;
  conditions: Condition[];
  /** Listeners the route attached to through this parentRef, with its effective hostnames on each. */
  attachments: { listener: string; hostnames: string[] }[];
}

export type BackendKind = 'Service' | 'ServiceImport';

/** A resolved backend target: one port of a Service and its endpoints. */
export interface ResolvedBackend {
  kind: BackendKind;
  namespace: string;
  name: string;
  port: number;
  /** ServiceImport backends: how the agent spreads requests over the ClusterSet's clusters. */
  clusterPolicy?: { mode: 'Spread' | 'PreferClose' | 'Weighted'; weights?: Record<string, number>; failoverOrder?: string[] };
  /** Key of the BackendPolicy (portway.dev) that applies, which set `healthCheck` and may have set `clusterPolicy`. */
  backendPolicy?: string;
  /** Health checking of the endpoints (IR `HealthCheck`), from the BackendPolicy. */
  healthCheck?: {
    active?: {
      type: 'HTTP' | 'TCP';
      path?: string;
      expectedStatuses?: number[];
      intervalMs: number;
      timeoutMs: number;
      healthyThreshold: number;
      unhealthyThreshold: number;
    };
    passive?: { consecutiveErrors: number; baseEjectionMs: number; maxEjectionPercent: number };
  };
  /** The Service port's transport when it is UDP (UDPRoute backends); absent means TCP. */
  transport?: 'UDP';
  /** Service port's appProtocol (e.g. "kubernetes.io/h2c"). */
  appProtocol?: string;
  endpoints: { address: string; port: number; ready: boolean; zone?: string; cluster?: string }[];
  /** Key of the BackendTLSPolicy that applies to this Service port, valid or not (for the policy's ancestors). */
  tlsPolicy?: string;
  /** Set when the backend must not be used (e.g. its BackendTLSPolicy has no valid CA): requests get 500. */
  unusable?: string;
  /** Retry budget and session persistence from the XBackendTrafficPolicy that targets the Service. */
  traffic?: {
    policy: string;
    retryBudget?: { percent: number; intervalMs: number; minRetries: number; minRetryIntervalMs: number };
    sessionPersistence?: {
      type: 'Cookie' | 'Header';
      name?: string;
      absoluteTimeoutMs?: number;
      idleTimeoutMs?: number;
      cookieLifetime?: 'Permanent' | 'Session';
    };
  };
  /** TLS to the backend, from its BackendTLSPolicy. */
  tls?: {
    policy: string;
    hostname: string;
    caCertificates: string[];
    systemCAs: boolean;
    subjectAltNames: { type: 'Hostname' | 'URI'; value: string }[];
  };
}

export interface BackendRefNode {
  weight: number;
  /** Resolved target, or undefined when the ref is invalid (`problem` says why). */
  backend?: ResolvedBackend;
  problem?: Condition;
  /** backendRef-level filters, as written (header modifiers only are meaningful). */
  filters: unknown[];
}

export interface RuleNode {
  index: number;
  name?: string;
  backendRefs: BackendRefNode[];
  /** Mirror filters' backends resolved, by filter index. */
  mirrors: Record<number, BackendRefNode>;
  /** A problem that makes the whole rule answer 500 (an ExtensionRef filter Portway cannot resolve). */
  problem?: Condition;
  /**
   * Set when the rule carries a value Portway cannot serve (an invalid regular expression, a
   * filter type it does not implement): the rule is dropped, never translated (see rule-validation.ts).
   */
  invalid?: string;
}

export interface RouteNode {
  source: Route;
  kind: RouteKind;
  /** "namespace/name" */
  key: string;
  /** One entry per parentRef that names one of Portway's Gateways or ListenerSets. */
  parents: ParentNode[];
  rules: RuleNode[];
  /** ResolvedRefs for every parent (backend references are the route's, not the parent's). */
  resolvedRefs: Condition;
}

export interface BackendTLSPolicyNode {
  source: BackendTLSPolicy;
  key: string;
  /** Keys of the Gateways whose routes send traffic to a targeted Service (the policy's status ancestors). */
  ancestors: string[];
  accepted: boolean;
  conditions: Condition[];
}

export interface BackendTrafficPolicyNode {
  source: import('@portway/api').XBackendTrafficPolicy;
  key: string;
  ancestors: string[];
  accepted: boolean;
  conditions: Condition[];
}

/** A Portway BackendPolicy (portway.dev/v1alpha1): its own Accepted condition, and the Gateways that use its targets. */
export interface BackendPolicyNode {
  source: import('@portway/api').BackendPolicy;
  key: string;
  ancestors: string[];
  accepted: boolean;
  conditions: Condition[];
}

export interface Graph {
  gatewayClasses: GatewayClassNode[];
  gateways: GatewayNode[];
  listenerSets: ListenerSetNode[];
  routes: RouteNode[];
  backendTLSPolicies: BackendTLSPolicyNode[];
  backendTrafficPolicies: BackendTrafficPolicyNode[];
  /** Portway BackendPolicies (absent in graphs built before they existed). */
  backendPolicies?: BackendPolicyNode[];
}

export interface GraphOptions {
  /** GatewayClass `spec.controllerName` that Portway manages. */
  controllerName: string;
  /** Route kinds the data plane serves (the feature registry decides). */
  routeKinds: readonly RouteKind[];
}
