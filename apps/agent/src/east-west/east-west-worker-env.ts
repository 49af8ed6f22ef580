/**
 * Hands the ClusterSet client credentials to proxy worker processes through their environment
 * (the worker builds its Proxy from it at start).
 */
import type { EastWestClientTls } from '@portway/proxy';

const ENV = { ca: 'PORTWAY_EAST_WEST_CA', cert: 'PORTWAY_EAST_WEST_CERT', key: 'PORTWAY_EAST_WEST_KEY' } as const;

/** Environment entries for a worker; none without credentials. */
export function eastWestWorkerEnv(credentials: EastWestClientTls | undefined): Record<string, string> {
  if (credentials === undefined) return {};
  return { [ENV.ca]: credentials.ca, [ENV.cert]: credentials.cert, [ENV.key]: credentials.key };
}

/** The credentials a worker was given, or undefined. */
export function eastWestFromWorkerEnv(env: NodeJS.ProcessEnv): EastWestClientTls | undefined {
  const ca = env[ENV.ca];
  const cert = env[ENV.cert];
  const key = env[ENV.key];
  if (!ca || !cert || !key) return undefined;
  return { ca, cert, key };
}
