import type { EchoMode, EchoOptions, EchoTlsOptions } from '../options.js';

/** Thrown for an environment the CLI cannot use; the message names the variable. */
export class EnvConfigError extends Error {
  override readonly name = 'EnvConfigError';
}

/** Environment variables (a `process.env` shape). */
export type Env = Readonly<Record<string, string | undefined>>;

function set(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function port(env: Env, name: string): number | undefined {
  const v = set(env, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new EnvConfigError(`non-integer value in ${name} '${v}' (expected a port 0-65535)`);
  return Number(v);
}

/**
 * The mode, chosen as upstream does: `GRPC_ECHO_SERVER`, then `TCP_ECHO_SERVER`, then
 * `UDP_ECHO_SERVER` (any non-empty value), else HTTP. `DNS_ECHO_SERVER` (Portway's addition,
 * checked last) selects the DNS responder.
 */
export function modeFromEnv(env: Env): EchoMode {
  if (set(env, 'GRPC_ECHO_SERVER')) return 'grpc';
  if (set(env, 'TCP_ECHO_SERVER')) return 'tcp';
  if (set(env, 'UDP_ECHO_SERVER')) return 'udp';
  if (set(env, 'DNS_ECHO_SERVER')) return 'dns';
  return 'http';
}

/**
 * Reads the CLI configuration from upstream's environment variables (plus `HOST`, the bind
 * address, default 127.0.0.1). Certificates are file paths, read with `readFile`. The private
 * key variable is `TLS_SERVER_PRIVKEY` in HTTP mode and `TLS_SERVER_PRIV_KEY` in gRPC and TCP
 * mode, as upstream spells them.
 */
export function echoOptionsFromEnv(env: Env, readFile: (path: string) => string): EchoOptions {
  const mode = modeFromEnv(env);
  const read = (variable: string): string | undefined => {
    const path = set(env, variable);
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (err) {
      throw new EnvConfigError(`${variable}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const keyVariable = mode === 'http' ? 'TLS_SERVER_PRIVKEY' : 'TLS_SERVER_PRIV_KEY';
  let tls: EchoTlsOptions | undefined;
  if (set(env, 'TLS_SERVER_CERT') && set(env, keyVariable)) {
    const clientCAs = mode === 'http' ? read('TLS_CLIENT_CACERTS') : undefined;
    tls = { cert: read('TLS_SERVER_CERT')!, key: read(keyVariable)!, ...(clientCAs !== undefined ? { clientCAs } : {}) };
  }
  const options: Record<string, unknown> = {
    host: set(env, 'HOST') ?? '127.0.0.1',
    mode,
    httpPort: port(env, 'HTTP_PORT'),
    h2cPort: port(env, 'H2C_PORT'),
    httpsPort: port(env, 'HTTPS_PORT'),
    tcpPort: port(env, 'TCP_PORT'),
    tlsPort: port(env, 'TLS_PORT'),
    udpPort: port(env, 'UDP_PORT'),
    tls,
    namespace: env.NAMESPACE ?? '',
    podName: env.POD_NAME ?? '',
    serviceName: env.SERVICE_NAME ?? '',
    ingressName: env.INGRESS_NAME ?? '',
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options as unknown as EchoOptions;
}
