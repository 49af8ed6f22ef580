import { FEATURES, isFeatureSupported, type RouteKind } from '@portway/api';

/** Names fixed across the project. */
export const CONTROLLER_NAME = 'portway.dev/gateway-controller';
export const DEFAULT_AGENT_ADMIN = '127.0.0.1:19001';
export const STANDALONE_AGENT = 'standalone';

/** Route kinds the data plane serves, from the feature registry. */
export function supportedRouteKinds(): RouteKind[] {
  const kinds: RouteKind[] = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];
  return kinds.filter((k) => Object.hasOwn(FEATURES, k) && isFeatureSupported(k));
}

/** "host:port" → {host, port}. */
export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i > 0 ? value.slice(0, i) : '127.0.0.1';
  const port = Number(i >= 0 ? value.slice(i + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid address "${value}": expected host:port`);
  return { host, port };
}
