/** What the L4 paths (TCP, TLS passthrough and terminate, UDP) need from the Proxy. */
import type { LogFn } from '../handler/proxy-context.js';

export interface L4Limits {
  /** Connect timeout to a backend endpoint (TCP). */
  readonly connectTimeoutMs: number;
  /** A TCP/TLS connection with no bytes either way for this long is closed. */
  readonly tcpIdleMs: number;
  /** Time a client has to send its whole ClientHello on a port with TLS listeners. */
  readonly clientHelloTimeoutMs: number;
  /** A UDP flow with no datagram either way for this long is forgotten. */
  readonly udpIdleMs: number;
  /** Most UDP flows (each holds a socket to its backend) per UDP listener socket; new flows beyond are dropped. */
  readonly udpMaxFlows: number;
}

export const DEFAULT_L4_LIMITS: L4Limits = {
  connectTimeoutMs: 10_000,
  tcpIdleMs: 3_600_000,
  clientHelloTimeoutMs: 10_000,
  udpIdleMs: 60_000,
  udpMaxFlows: 16_384,
};

export interface L4Context {
  readonly log: LogFn;
  readonly limits: L4Limits;
}
