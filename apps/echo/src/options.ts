import type { LogSink } from './log.js';

/** The protocol an echo server speaks. */
export type EchoMode = 'http' | 'grpc' | 'tcp' | 'udp' | 'dns';

/** TLS material for the HTTPS, gRPC-over-TLS and TCP-over-TLS listeners, PEM strings. */
export interface EchoTlsOptions {
  readonly cert: string;
  readonly key: string;
  /**
   * Client CA bundle. When set (HTTP mode), client certificates are requested and verified if
   * sent, but not required (Go's `VerifyClientCertIfGiven`).
   */
  readonly clientCAs?: string;
}

/** How to start an echo server; the names follow upstream's environment variables. */
export interface EchoOptions {
  /** Bind address, e.g. `127.1.0.5`. */
  readonly host: string;
  /** Default `http`. */
  readonly mode?: EchoMode;
  /** http mode: HTTP/1.1 (default 3000; 0 = ephemeral). grpc mode: plaintext gRPC (default 3000). */
  readonly httpPort?: number;
  /** http mode: the h2c listener (default 3001); `null` = not started. */
  readonly h2cPort?: number | null;
  /** http mode: HTTPS (default 8443), started only with `tls`. grpc mode: gRPC over TLS. */
  readonly httpsPort?: number;
  /** tcp mode: plain TCP (default 3000). */
  readonly tcpPort?: number;
  /** tcp mode: TCP over TLS (default 8443), started only with `tls`. */
  readonly tlsPort?: number;
  /** udp mode (default 8080) / dns mode (default 53). */
  readonly udpPort?: number;
  readonly tls?: EchoTlsOptions;
  /** Reported as `pod` (`POD_NAME`). */
  readonly podName?: string;
  /** Reported as `namespace` (`NAMESPACE`). */
  readonly namespace?: string;
  /** Reported as `service` / `service_name` (`SERVICE_NAME`). */
  readonly serviceName?: string;
  /** Reported as `ingress` (`INGRESS_NAME`). */
  readonly ingressName?: string;
  /**
   * Receives every log line the upstream server prints to stdout (e.g. "Echoing back request
   * made to /x to client (127.0.0.1:5555)"). Default: process.stdout.
   */
  readonly log?: LogSink;
}

/** Thrown by `startEcho` for options it cannot use; the message names the option. */
export class EchoOptionsError extends Error {
  override readonly name = 'EchoOptionsError';
}

const MODES: readonly EchoMode[] = ['http', 'grpc', 'tcp', 'udp', 'dns'];

/** Checks a port option: an integer 0..65535 (0 = ephemeral), or the default when absent. */
export function portOption(options: EchoOptions, name: keyof EchoOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new EchoOptionsError(`${String(name)} must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks the options shared by every mode; returns the mode. */
export function checkCommonOptions(options: EchoOptions): EchoMode {
  if (typeof options !== 'object' || options === null) throw new EchoOptionsError('options must be an object');
  if (typeof options.host !== 'string' || options.host === '') {
    throw new EchoOptionsError('host must be a non-empty bind address, e.g. "127.0.0.1"');
  }
  const mode = options.mode ?? 'http';
  if (!MODES.includes(mode)) throw new EchoOptionsError(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  for (const key of ['podName', 'namespace', 'serviceName', 'ingressName'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'string') throw new EchoOptionsError(`${key} must be a string`);
  }
  if (options.tls !== undefined) {
    const { cert, key, clientCAs } = options.tls;
    if (typeof cert !== 'string' || typeof key !== 'string' || cert === '' || key === '') {
      throw new EchoOptionsError('tls.cert and tls.key must be PEM strings');
    }
    if (clientCAs !== undefined && typeof clientCAs !== 'string') throw new EchoOptionsError('tls.clientCAs must be a PEM string');
  }
  if (options.log !== undefined && typeof options.log !== 'function') throw new EchoOptionsError('log must be a function');
  return mode;
}
