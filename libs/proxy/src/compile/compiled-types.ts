/**
 * What `compileGateway` produces from one GatewayConfig: everything the hot path needs, in the
 * shape it needs it (host tables, routers, header plans, pickers), built once per config.
 */
import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { Filter, PathModifier } from '@portway/ir';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import type { SessionAffinity } from '../backends/session-affinity.js';
import type { WeightedPicker } from '../backends/weighted-picker.js';
import type { CorsPolicy } from '../filters/cors.js';
import type { HeaderPlan } from '../filters/header-plan.js';
import type { HostTable } from '../routing/host-table.js';
import type { Router } from '../routing/router.js';

export type RedirectFilter = Extract<Filter, { type: 'RequestRedirect' }>;

/** A weighted backendRef of a rule, with the rule's and its own header plans merged. */
export interface CompiledBackendRef {
  /** Position in the rule's `backends` (session tokens name it). */
  readonly index: number;
  /** Null: the backendRef is invalid, a request that picks it gets 500. */
  readonly backend: BackendRuntime | null;
  readonly requestPlan: HeaderPlan | null;
  readonly responsePlan: HeaderPlan | null;
}

export interface CompiledMirror {
  readonly backend: BackendRuntime;
  readonly percent: number;
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
  /** Rule-level response plan, for responses the gateway makes itself (redirects, preflights). */
  readonly responsePlan: HeaderPlan | null;
  readonly rewriteHost: string | null;
  readonly rewritePath: PathModifier | null;
  readonly mirrors: readonly CompiledMirror[];
  readonly cors: CorsPolicy | null;
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

export interface CompiledPort {
  readonly port: number;
  /** Terminates TLS (the port's listeners are HTTPS). */
  readonly tls: boolean;
  readonly listeners: readonly CompiledListener[];
  /** Host header (and SNI) → listener: exact, longest wildcard, then the listener without hostname. */
  readonly byHost: HostTable<CompiledListener>;
  /** The first listener without hostname: serves TLS clients that send no (or an unknown) SNI. */
  readonly defaultListener: CompiledListener | null;
  /** Some listener validates client certificates: ask clients for one. */
  readonly requestCert: boolean;
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
  /** Ports with at least one served listener. */
  readonly ports: readonly CompiledPort[];
  /** Listeners that compiled but cannot be served by this proxy (L4 protocols, conflicts). */
  readonly issues: readonly ListenerIssue[];
  /** Upstream keys the config uses (to keep their pools alive). */
  readonly upstreamKeys: ReadonlySet<string>;
}
