import type { EchoMode, EchoTls } from './pod-plan.js';

/** Options of `startEcho` from @portway/echo (the contract the runner codes against). */
export interface StartEchoOptions {
  host: string;
  mode?: EchoMode;
  httpPort?: number;
  h2cPort?: number;
  httpsPort?: number;
  tcpPort?: number;
  tlsPort?: number;
  udpPort?: number;
  tls?: EchoTls;
  podName?: string;
  namespace?: string;
  serviceName?: string;
  ingressName?: string;
  /** Receives the lines echo-basic prints to stdout (the mirror tests read them). */
  log?: (line: string) => void;
}

/** A running echo server. */
export interface EchoHandle {
  ports: Record<string, number>;
  close(): Promise<void>;
}

const ECHO_PACKAGE: string = '@portway/echo';

export type StartEcho = (options: StartEchoOptions) => Promise<EchoHandle>;

/**
 * Loads `startEcho` from @portway/echo. It is resolved at run time so the runner builds while the
 * echo package is being written; a missing export is a clear error, not a crash.
 */
export async function loadStartEcho(): Promise<StartEcho> {
  let mod: Record<string, unknown>;
  // A computed specifier: the echo package is type-checked on its own, not through the runner.
  const specifier = ECHO_PACKAGE;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`cannot load @portway/echo (build it with "npm run build"): ${(e as Error).message}`);
  }
  const fn = mod['startEcho'];
  if (typeof fn !== 'function') throw new Error('@portway/echo does not export startEcho(options)');
  return fn as StartEcho;
}
