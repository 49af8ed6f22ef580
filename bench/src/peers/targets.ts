/** Every target by name, for `--targets`. */
import { haproxyTarget } from './haproxy.js';
import { nginxTarget } from './nginx.js';
import { bareNodeTarget, fastifyTarget, httpProxyTarget } from './node-peers.js';
import { portwayTarget } from './portway.js';
import type { Target } from './target.js';

/**
 * The default comparison: Portway, the four peers the issue names, and `node-bare`, the bare
 * node:http + undici proxy (the reference point of Portway's own overhead).
 */
export const DEFAULT_TARGETS = ['portway', 'nginx', 'haproxy', 'http-proxy', 'fastify', 'node-bare'] as const;
export const KNOWN_TARGETS = DEFAULT_TARGETS;

export function targetByName(name: string, portwayRoutes: number): Target {
  switch (name) {
    case 'portway':
      return portwayTarget(portwayRoutes);
    case 'nginx':
      return nginxTarget;
    case 'haproxy':
      return haproxyTarget;
    case 'http-proxy':
      return httpProxyTarget;
    case 'fastify':
      return fastifyTarget;
    case 'node-bare':
      return bareNodeTarget;
    default:
      throw new Error(`unknown target "${name}" (known: ${KNOWN_TARGETS.join(', ')})`);
  }
}
