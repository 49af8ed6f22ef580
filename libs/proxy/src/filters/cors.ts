/**
 * The CORS filter (HTTPCORSFilter): preflight requests are answered by the gateway, actual
 * requests get the allow-origin / credentials / expose headers added to the response.
 */
import type { Filter } from '@portway/ir';
import type { HeaderObject } from './header-plan.js';

type CorsFilter = Extract<Filter, { type: 'CORS' }>;

/** Default Access-Control-Max-Age when the filter sets none (spec default: 5 seconds). */
const DEFAULT_MAX_AGE = 5;

export class CorsPolicy {
  private readonly anyOrigin: boolean;
  private readonly exactOrigins: ReadonlySet<string>;
  private readonly originPatterns: readonly RegExp[];
  private readonly credentials: boolean;
  private readonly anyMethod: boolean;
  private readonly methods: string;
  private readonly anyHeader: boolean;
  private readonly headers: string;
  private readonly expose: string;
  private readonly maxAge: string;

  constructor(f: CorsFilter) {
    this.anyOrigin = f.allowOrigins.includes('*');
    const exact = new Set<string>();
    const patterns: RegExp[] = [];
    for (const o of f.allowOrigins) {
      if (o === '*') continue;
      if (o.includes('*')) patterns.push(originPattern(o));
      else exact.add(o.toLowerCase());
    }
    this.exactOrigins = exact;
    this.originPatterns = patterns;
    this.credentials = f.allowCredentials === true;
    this.anyMethod = f.allowMethods.includes('*');
    this.methods = f.allowMethods.join(', ');
    this.anyHeader = f.allowHeaders.includes('*');
    this.headers = f.allowHeaders.join(', ');
    this.expose = f.exposeHeaders.join(', ');
    this.maxAge = String(f.maxAge ?? DEFAULT_MAX_AGE);
  }

  /** Whether a request with this Origin header value is allowed. */
  allows(origin: string): boolean {
    if (this.anyOrigin) return true;
    const o = origin.toLowerCase();
    if (this.exactOrigins.has(o)) return true;
    for (const p of this.originPatterns) if (p.test(o)) return true;
    return false;
  }

  /**
   * Headers of the gateway's answer to a preflight, or null when the origin is not allowed
   * (the answer then carries no CORS headers and the browser refuses the request).
   */
  preflightHeaders(origin: string, requestMethod: string, requestHeaders: string | undefined): HeaderObject | null {
    if (!this.allows(origin)) return null;
    const h: HeaderObject = {
      'access-control-allow-origin': origin,
      vary: 'Origin',
      'access-control-max-age': this.maxAge,
    };
    // With credentials a "*" is not honoured by browsers: echo what was asked instead.
    if (this.anyMethod) h['access-control-allow-methods'] = this.credentials ? requestMethod : '*';
    else if (this.methods) h['access-control-allow-methods'] = this.methods;
    if (this.anyHeader) {
      if (requestHeaders) h['access-control-allow-headers'] = this.credentials ? requestHeaders : '*';
    } else if (this.headers) h['access-control-allow-headers'] = this.headers;
    if (this.expose) h['access-control-expose-headers'] = this.expose;
    if (this.credentials) h['access-control-allow-credentials'] = 'true';
    return h;
  }

  /** Adds the CORS headers of an actual (non-preflight) response, in place. */
  decorate(headers: HeaderObject, origin: string): void {
    if (!this.allows(origin)) return;
    headers['access-control-allow-origin'] = origin;
    const vary = headers.vary;
    headers.vary = vary === undefined ? 'Origin' : `${Array.isArray(vary) ? vary.join(', ') : vary}, Origin`;
    if (this.credentials) headers['access-control-allow-credentials'] = 'true';
    if (this.expose) headers['access-control-expose-headers'] = this.expose;
  }
}

/**
 * An allowOrigins entry with a wildcard: "*" in the host matches one or more characters,
 * including dots ("https://*.bar.com" matches "https://a.b.bar.com"); the scheme and port are
 * literal.
 */
function originPattern(o: string): RegExp {
  const src = o
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${src}$`);
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}
