/** Every target by name, for `--targets`. */
import { haproxyTarget } from './haproxy.js';
import { nginxTarget } from './nginx.js';
import { bareNodeTarget, fastifyTarget, httpProxyTarget } from './node-peers.js';
import { portwayTarget } from './portway.js';
import type { Target } from './target.js';

/** The default comparison: Portway and the four peers the issue names. */
export const DEFAULT_TARGETS = ['portway', 'nginx', 'haproxy', 'http-proxy', 'fastify'] as const;
/** Also known: `node-bare`, the node:http + undici reference point. */
export const KNOWN_TARGETS = [...DEFAULT_TARGETS, 'node-bare'] as const;

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
