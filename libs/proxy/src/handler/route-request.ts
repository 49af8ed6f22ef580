/**
 * Request → listener → virtual host → route entry. On HTTP ports the Host header picks the
 * listener; on HTTPS ports the SNI did at the handshake, and a Host that picks another listener
 * is a misdirected request (421).
 */
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { CompiledListener, CompiledRule } from '../compile/compiled-types.js';
import { modifyPath } from '../filters/path-rewrite.js';
import { buildLocation } from '../filters/redirect.js';
import { hostWithoutPort } from '../routing/host-table.js';
import { normalizePath } from '../routing/path-normalize.js';
import type { RouteMatch, Router } from '../routing/router.js';
import type { BoundSocket, PortState } from '../server/bound-socket.js';
import { isGrpcContentType } from './grpc-status.js';
import type { ClientRequest } from './http-types.js';

/** A routed request, or the status the gateway answers with. */
export interface Routed {
  readonly status: 0;
  readonly state: PortState;
  readonly listener: CompiledListener;
  /** Lower-case host without port. */
  readonly host: string;
  /** Host header / :authority as sent. */
  readonly authority: string | undefined;
  /** Normalized path (matching, rewrites, redirects). */
  readonly path: string;
  /** The request target's path as sent (forwarded when no filter changes it). */
  readonly rawPath: string;
  /** Query string without "?", or null. */
  readonly query: string | null;
  readonly match: RouteMatch<CompiledRule>;
  readonly grpc: boolean;
}

export interface NotRouted {
  /** 400, 404, 421 or 503. */
  readonly status: number;
  readonly grpc: boolean;
}

export function routeRequest(bound: BoundSocket, req: ClientRequest): Routed | NotRouted {
  const grpcRequest = isGrpcContentType(req.headers['content-type']);
  const state = bound.state;
  if (state === null) return { status: 503, grpc: grpcRequest };
  const port = state.port;
  const h2 = req.httpVersionMajor === 2;
  const authority = (h2 ? (req.headers[':authority'] as string | undefined) : undefined) ?? req.headers.host;
  const host = hostWithoutPort(authority);
  const listener = port.byHost.lookup(host) ?? null;
  if (port.tls) {
    const sock = (h2 ? (req as Http2ServerRequest).stream.session?.socket : req.socket) as TLSSocket | undefined;
    if (bound.listenerForSni(sock?.servername) !== listener) return { status: 421, grpc: grpcRequest };
  }
  if (listener === null) return { status: 404, grpc: grpcRequest };
  const vh = listener.vhosts.lookup(host);
  if (vh === undefined) return { status: 404, grpc: grpcRequest };

  let target = req.url ?? '/';
  if (target.charCodeAt(0) !== 47) target = originForm(target);
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? null : target.slice(q + 1);
  const path = normalizePath(rawPath);
  if (path === null) return { status: 400, grpc: grpcRequest };
  let match = vh.router.match(req.method ?? 'GET', path, query, req);
  if (match === null && req.method === 'OPTIONS') match = preflightMatch(vh.router, path, query, req);
  if (match === null) return { status: 404, grpc: grpcRequest };
  return { status: 0, state, listener, host, authority, path, rawPath, query, match, grpc: grpcRequest || match.rule.grpc };
}

/** The matched path prefix a path modifier replaces (null for a RegularExpression entry). */
function matchedPrefix(r: Routed): string | null {
  return r.match.entry.path.type === 'RegularExpression' ? null : r.match.pathValue;
}

/** Path and query sent upstream, after a URLRewrite path modifier (or as sent, normalized). */
export function upstreamPath(r: Routed, modifier: CompiledRule['rewritePath']): string {
  let path = r.rawPath;
  if (modifier !== null) path = modifyPath(r.path, modifier, matchedPrefix(r));
  else if (r.path !== r.rawPath) path = r.path;
  return r.query !== null ? `${path}?${r.query}` : path;
}

/** The Location of the rule's RequestRedirect for this request. */
export function redirectLocation(r: Routed, redirect: NonNullable<CompiledRule['redirect']>): string {
  return buildLocation(redirect, {
    scheme: r.state.port.tls ? 'https' : 'http',
    host: r.host,
    listenerPort: r.listener.port,
    path: r.path,
    query: r.query,
    matchedPrefix: matchedPrefix(r),
  });
}

/**
 * A CORS preflight (OPTIONS) to a route that only matches other methods: match it as the
 * method it announces, and let it through only to a rule with a CORS filter, which answers it.
 */
function preflightMatch(router: Router<CompiledRule>, path: string, query: string | null, req: ClientRequest): RouteMatch<CompiledRule> | null {
  const announced = req.headers['access-control-request-method'];
  if (typeof announced !== 'string' || req.headers.origin === undefined) return null;
  const m = router.match(announced, path, query, req);
  return m !== null && m.rule.cors !== null ? m : null;
}

/** "http://host/p?q" → "/p?q"; "*" and anything else unusable → "" (a 400 later). */
function originForm(target: string): string {
  const scheme = target.indexOf('://');
  if (scheme < 0) return '';
  const slash = target.indexOf('/', scheme + 3);
  if (slash < 0) {
    const q = target.indexOf('?', scheme + 3);
    return q < 0 ? '/' : `/${target.slice(q)}`;
  }
  return target.slice(slash);
}
