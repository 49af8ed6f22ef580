/**
 * The NATS connection of a bus: servers, TLS, credentials, reconnecting forever with a capped,
 * jittered exponential backoff, and status changes reported through one callback.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions, type Status } from '@nats-io/transport-node';
import { errorMessage, NatsConnectError } from './errors.js';

export interface NatsTlsOptions {
  /** CA bundle that signs the server certificate: a PEM string or a file path (`caFile`). */
  ca?: string;
  caFile?: string;
  /** Client certificate and key, when the server verifies clients. PEM strings or file paths. */
  cert?: string;
  certFile?: string;
  key?: string;
  keyFile?: string;
}

export interface NatsConnectOptions {
  /** Server URLs, e.g. "nats://127.0.0.1:4222" (a plain nats:// URL upgrades to TLS when `tls` is set or the server requires it). */
  servers: string | string[];
  /** Connection name, shown by the server's monitoring (e.g. "portway-agent east/agent-1"). */
  name?: string;
  tls?: NatsTlsOptions;
  user?: string;
  password?: string;
  /** A NATS credentials file (JWT + nkey seed), instead of user/password. */
  credsFile?: string;
  /** Replies arrive under this prefix (agents: `agentInboxPrefix(cluster)`, which their permissions require). */
  inboxPrefix?: string;
  /**
   * Keep trying when no server answers at start (default false: fail at once with a clear error,
   * so a wrong URL is noticed). Once connected, the connection reconnects forever either way.
   */
  waitForServer?: boolean;
  /** How long one connection attempt may take (TCP, TLS, handshake). Default 10 s. */
  connectTimeoutMs?: number;
  /** Backoff between reconnect attempts: doubles from `minMs` (default 250) up to `maxMs` (default 5000), ±20% jitter. */
  reconnectBackoff?: { minMs?: number; maxMs?: number };
  /** Connection status changes: disconnect, reconnecting, reconnect, error, close, ... (for logs and metrics). */
  onStatus?: (status: ConnectionStatus) => void;
}

/** A connection status change, flattened for logs. */
export interface ConnectionStatus {
  type: Status['type'];
  server?: string;
  error?: string;
}

/** Opens the connection; rejects with `NatsConnectError`. */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const servers = Array.isArray(options.servers) ? options.servers : [options.servers];
  if (servers.length === 0) throw new NatsConnectError({ servers, message: 'no NATS server given' });
  const backoff = new ReconnectBackoff(options.reconnectBackoff?.minMs ?? 250, options.reconnectBackoff?.maxMs ?? 5_000);
  let opts: NodeConnectionOptions;
  try {
    opts = connectionOptions(options, servers, backoff);
  } catch (e) {
    throw new NatsConnectError({ servers, message: `invalid NATS connection options: ${errorMessage(e)}`, cause: e });
  }
  try {
    const nc = await connect(opts);
    // The backoff starts again from its minimum after each successful reconnect.
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') backoff.reset();
    })().catch(() => undefined);
    return nc;
  } catch (e) {
    throw new NatsConnectError({ servers, message: `cannot connect to NATS at ${servers.join(', ')}: ${errorMessage(e)}`, cause: e });
  }
}

/** Capped exponential backoff with ±20% jitter. */
class ReconnectBackoff {
  private attempt = 0;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt++, 16));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
  reset(): void {
    this.attempt = 0;
  }
}

function connectionOptions(options: NatsConnectOptions, servers: string[], backoff: ReconnectBackoff): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    timeout: options.connectTimeoutMs ?? 10_000,
    // Called before each connection attempt.
    reconnectDelayHandler: () => backoff.next(),
    waitOnFirstConnect: options.waitForServer ?? false,
    inboxPrefix: options.inboxPrefix,
    pingInterval: 10_000,
    maxPingOut: 3,
  };
  if (options.credsFile) {
    opts.authenticator = credsAuthenticator(new Uint8Array(readFileSync(options.credsFile)));
  } else if (options.user !== undefined) {
    opts.user = options.user;
    opts.pass = options.password;
  }
  if (options.tls) {
    const t = options.tls;
    opts.tls = {
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      ...(t.caFile !== undefined ? { caFile: t.caFile } : {}),
      ...(t.cert !== undefined ? { cert: t.cert } : {}),
      ...(t.certFile !== undefined ? { certFile: t.certFile } : {}),
      ...(t.key !== undefined ? { key: t.key } : {}),
      ...(t.keyFile !== undefined ? { keyFile: t.keyFile } : {}),
    };
  }
  return opts;
}

/**
 * Follows the connection's status until it closes: reports every change to `onStatus` and calls
 * `onReconnect` after each reconnect (watchers resume from there).
 */
export function watchStatus(nc: NatsConnection, onStatus: ((s: ConnectionStatus) => void) | undefined, onReconnect: () => void): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'reconnect') {
        try {
          onReconnect();
        } catch {
          // resuming is best effort per watch; one failing must not stop status reporting
        }
      }
      if (onStatus) {
        const status: ConnectionStatus = { type: s.type };
        if ('server' in s && typeof s.server === 'string') status.server = s.server;
        if ('error' in s && s.error) status.error = errorMessage(s.error);
        try {
          onStatus(status);
        } catch {
          // a failing status callback must not stop status reporting
        }
      }
    }
  })().catch(() => undefined);
}
