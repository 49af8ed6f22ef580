/**
 * RequestRedirect: builds the absolute Location of a redirect.
 */
import type { Filter } from '@portway/ir';
import { modifyPath } from './path-rewrite.js';

type RedirectFilter = Extract<Filter, { type: 'RequestRedirect' }>;

/** What the redirect reads from the request. */
export interface RedirectRequest {
  /** "http" or "https": the listener's scheme. */
  scheme: 'http' | 'https';
  /** Request host, without port. */
  host: string;
  /** Port of the listener the request came in on. */
  listenerPort: number;
  /** Normalized request path (no query). */
  path: string;
  /** Raw query string without "?", or null. */
  query: string | null;
  /** Matching entry's path value (null for a RegularExpression entry). */
  matchedPrefix: string | null;
}

export function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/**
 * The Location header per the spec: the scheme, hostname and path come from the filter when set;
 * the port is the filter's, else the scheme's well-known port when the filter sets a scheme,
 * else the listener's port; a port equal to the scheme's default is left out.
 */
export function buildLocation(f: RedirectFilter, r: RedirectRequest): string {
  const scheme = f.scheme ?? r.scheme;
  const host = f.hostname ?? r.host;
  const port = f.port ?? (f.scheme !== undefined ? defaultPort(f.scheme) : r.listenerPort);
  const path = f.path !== undefined ? modifyPath(r.path, f.path, r.matchedPrefix) : r.path;
  const authority = port === defaultPort(scheme) ? formatHost(host) : `${formatHost(host)}:${port}`;
  return `${scheme}://${authority}${path}${r.query !== null ? `?${r.query}` : ''}`;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
