/** Public types of the Proxy API. */
import type { LogFn } from './handler/proxy-context.js';
import type { EastWestClientTls } from './east-west/east-west-client.js';
import type { L4Limits } from './l4/l4-context.js';

export type { EastWestClientTls, L4Limits, LogFn };

export interface ProxyOptions {
  /** Address bound for a config that lists no addresses. Default 127.0.0.1. */
  defaultAddress?: string;
  log?: LogFn;
  /** How long a removed listener lets its in-flight requests finish before closing them. Default 30 s. */
  drainTimeoutMs?: number;
  /**
   * Key of the session-persistence tokens. Worker processes serving the same gateways must
   * share it; by default each Proxy draws a random one (persistence then holds per process).
   */
  sessionSecret?: string | Buffer;
  /**
   * Limits of TCP, TLS (passthrough, terminate) and UDP listeners: connect timeout 10 s, TCP idle
   * 1 h, ClientHello 10 s, UDP flow idle 60 s, 16,384 UDP flows per socket by default.
   */
  l4?: Partial<L4Limits>;
  /**
   * The ClusterSet client certificate (and CA) presented to the east-west gateways of other
   * clusters, for endpoints the IR marks with `via`. Without it such endpoints fail to connect
   * (the error says why); endpoints without `via` are dialed directly either way.
   */
  eastWest?: EastWestClientTls;
}

/** One problem with a gateway or one of its listeners. */
export interface ApplyError {
  /** Listener name (IR `name`) when the problem is a listener's. */
  listener?: string;
  /**
   * Invalid (the config failed validation), InvalidCertificateRef, PortUnavailable,
   * AddressNotUsable, ProtocolConflict.
   */
  reason: string;
  message: string;
}

export interface GatewayApplyResult {
  /** The config was accepted and is what the gateway serves now. */
  ok: boolean;
  /** Listeners bound on every address of the gateway. */
  listenersBound: string[];
  errors: ApplyError[];
}

export interface ApplyResult {
  /** By "namespace/name". */
  gateways: Record<string, GatewayApplyResult>;
}
