/**
 * What `compileGateway` produces from one GatewayConfig: everything the hot path needs, in the
 * shape it needs it (host tables, routers, header plans, pickers), built once per config.
 */
import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { Filter, PathModifier } from '@portway/ir';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import type { FlowHashPicker } from '../backends/flow-hash.js';
import type { SessionAffinity } from '../backends/session-affinity.js';
import type { WeightedPicker } from '../backends/weighted-picker.js';
import type { CorsPolicy } from '../filters/cors.js';
import type { HeaderPlan } from '../filters/header-plan.js';
import type { HostTable } from '../routing/host-table.js';
import type { Router } from '../routing/router.js';

export type RedirectFilter = Extract<Filter, { type: 'RequestRedirect' }>;

/**
 * A weighted backendRef of a rule. Its filters run after the rule's (they apply only to requests
 * sent to it): the request plan is the rule's and its own merged, in that order.
 */
export interface CompiledBackendRef {
  /** Position in the rule's `backends`. */
  readonly index: number;
  /** Null: the backendRef is invalid, a request that picks it gets 500. */
  readonly backend: BackendRuntime | null;
  readonly requestPlan: HeaderPlan | null;
  /** Host sent to this backend when a URLRewrite sets it and no later header modifier touches Host. */
  readonly rewriteHost: string | null;
  /** Its own ResponseHeaderModifier (the rule's runs first, see `CompiledRule.responsePlan`). */
  readonly responsePlan: HeaderPlan | null;
}

/**
 * A RequestMirror with the request as the filters listed before it leave it (filters run in
 * order: a header modifier or URLRewrite after the mirror does not change the mirrored copy, and
 * backendRef-level filters never do).
 */
export interface CompiledMirror {
  readonly backend: BackendRuntime;
  readonly percent: number;
  readonly requestPlan: HeaderPlan | null;
  readonly rewriteHost: string | null;
  readonly rewritePath: PathModifier | null;
}

export interface CompiledRetry {
  readonly codes: ReadonlySet<number>;
  readonly attempts: number;
  readonly backoffMs: number;
}

export interface CompiledRule {
  readonly id: string;
  readonly grpc: boolean;
  /** Status the gateway answers itself (IR `directResponse`), or 0. */
  readonly directStatus: number;
  /** Ends processing with a redirect when set. */
  readonly redirect: RedirectFilter | null;
  /** Rule-level ResponseHeaderModifier: every response (the backend's and the gateway's own). */
  readonly responsePlan: HeaderPlan | null;
  /** URLRewrite path (applies to the request forwarded to the backend). */
  readonly rewritePath: PathModifier | null;
  readonly mirrors: readonly CompiledMirror[];
  readonly cors: CorsPolicy | null;
  /** The CORS filter is listed before the ResponseHeaderModifier (which then may override its headers). */
  readonly corsFirst: boolean;
  readonly picker: WeightedPicker<CompiledBackendRef>;
  readonly refs: readonly CompiledBackendRef[];
  /** 0: no timeout. */
  readonly requestMs: number;
  readonly backendRequestMs: number;
  readonly retry: CompiledRetry | null;
  readonly session: SessionAffinity | null;
}

export interface CompiledVirtualHost {
  readonly hostname: string;
  readonly router: Router<CompiledRule>;
}

export interface CompiledListenerTls {
  /** Certificates of the listener by the DNS names they carry; the first is the default. */
  readonly byName: HostTable<SecureContext>;
  readonly defaultContext: SecureContext;
  /** Options of the default certificate (node:tls `setSecureContext` wants options). */
  readonly defaultOptions: SecureContextOptions;
  readonly clientValidation: 'AllowValidOnly' | 'AllowInsecureFallback' | null;
}

export interface CompiledListener {
  readonly name: string;
  readonly hostname: string | undefined;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly vhosts: HostTable<CompiledVirtualHost>;
  readonly tls: CompiledListenerTls | null;
}

/**
 * What a TCP port does with a connection: `http` (HTTP/1.1 or h2c by preface), `tls` (HTTPS
 * and TLS listeners, chosen by SNI), `tcp` (one TCP listener: bytes piped to a backend).
 */
export type PortKind = 'http' | 'tls' | 'tcp';

export interface CompiledPort {
  readonly port: number;
  readonly kind: PortKind;
  /** Connections are TLS (kind `tls`): HTTPS listeners see `https` requests. */
  readonly tls: boolean;
  /** HTTP or HTTPS listeners (routing by Host header and SNI). */
  readonly listeners: readonly CompiledListener[];
  /** Host header (and SNI) → HTTP(S) listener: exact, longest wildcard, then the listener without hostname. */
  readonly byHost: HostTable<CompiledListener>;
  /** The first HTTP(S) listener without hostname: serves TLS clients that send no (or an unknown) SNI. */
  readonly defaultListener: CompiledListener | null;
  /** Some HTTPS listener validates client certificates: ask clients for one. */
  readonly requestCert: boolean;
  /** TLS listeners (Passthrough or Terminate); when there is one, the port reads the ClientHello's SNI first. */
  readonly tlsListeners: readonly CompiledTlsListener[];
  /** SNI → HTTPS or TLS listener (most specific first); null when the port has no TLS listener. */
  readonly bySni: HostTable<SniTarget> | null;
  /** The first HTTPS or TLS listener without hostname (clients without SNI), when `bySni` is set. */
  readonly defaultSni: SniTarget | null;
  /** The TCP listener of a `tcp` port. */
  readonly tcp: CompiledTcpListener | null;
  /** Every listener served on this port (apply results). */
  readonly listenerNames: readonly string[];
}

/** A backendRef of an L4 route. */
export interface CompiledL4Ref {
  readonly index: number;
  /** Null: the backendRef is invalid; connections (flows) that pick it are refused (dropped). */
  readonly backend: BackendRuntime | null;
}

/** One TLSRoute, TCPRoute or UDPRoute rule as a listener serves it. */
export interface CompiledL4Route {
  readonly id: string;
  /** Weighted random choice, per connection (TCP, TLS). */
  readonly picker: WeightedPicker<CompiledL4Ref>;
  /** Weighted choice from the flow hash, identical in every process (UDP). */
  readonly flowPicker: FlowHashPicker<CompiledL4Ref>;
  /** Some backendRef with a positive weight is valid. */
  readonly usable: boolean;
}

export interface CompiledTlsListener {
  readonly name: string;
  readonly hostname: string | undefined;
  readonly port: number;
  readonly protocol: 'TLS';
  readonly mode: 'Passthrough' | 'Terminate';
  /** SNI → route: exact, longest wildcard, then routes without hostnames (first in IR order wins). */
  readonly routes: HostTable<CompiledL4Route>;
  /** Terminate only. */
  readonly tls: CompiledListenerTls | null;
}

/** What the SNI of a ClientHello selects on a port with TLS listeners. */
export type SniTarget = CompiledListener | CompiledTlsListener;

export interface CompiledTcpListener {
  readonly name: string;
  readonly port: number;
  /** The first route (IR order: the oldest) with a usable backendRef; null: connections are refused. */
  readonly route: CompiledL4Route | null;
}

export interface CompiledUdpListener {
  readonly name: string;
  readonly port: number;
  /** The first route (IR order: the oldest) with a usable backendRef; null: datagrams are dropped. */
  readonly route: CompiledL4Route | null;
  /** "address:port" of every ready endpoint the listener can send to (flows to others end on a swap). */
  readonly endpoints: ReadonlySet<string>;
}

/** A UDP port: one UDP listener. */
export interface CompiledUdpPort {
  readonly port: number;
  readonly listener: CompiledUdpListener;
}

/** Why a listener is not served. */
export interface ListenerIssue {
  readonly listener: string;
  readonly reason: string;
  readonly message: string;
}

export interface CompiledGateway {
  /** "namespace/name". */
  readonly key: string;
  readonly generation: number;
  /** Addresses to bind (the proxy's default address when the config lists none). */
  readonly addresses: readonly string[];
  /** TCP ports with at least one served listener. */
  readonly ports: readonly CompiledPort[];
  /** UDP ports (a UDP and a TCP port may have the same number). */
  readonly udpPorts: readonly CompiledUdpPort[];
  /** Listeners that compiled but cannot be served (protocol conflicts on a port). */
  readonly issues: readonly ListenerIssue[];
  /** Upstream keys the config uses (to keep their pools alive). */
  readonly upstreamKeys: ReadonlySet<string>;
}
