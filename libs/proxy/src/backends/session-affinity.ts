/**
 * Session persistence (HTTPRoute `sessionPersistence`): the gateway issues a token naming the
 * endpoint on the first response (a cookie or a header), and later requests carrying a valid
 * token go to that endpoint while it is ready, whatever the weights say (new sessions follow
 * the weights). A token carries the backend's id (not its position in the rule, so reordering
 * or reweighting backendRefs keeps sessions), the endpoint, its issue time and last-use time,
 * and an HMAC so clients cannot forge expiry; an invalid, expired or unknown token falls back
 * to normal selection.
 *
 * Every worker process that serves the same gateway must use the same secret
 * (`ProxyOptions.sessionSecret`) for tokens to work across them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionPersistence } from '@portway/ir';
import { firstHeader } from '../routing/router.js';

export interface SessionToken {
  /** Id of the backend (IR `Backend.id`) the session is on. */
  readonly backend: string;
  readonly endpoint: string;
  /** Seconds since the epoch. */
  readonly issued: number;
}

export class SessionAffinity {
  readonly name: string;
  private readonly lowerName: string;
  readonly isCookie: boolean;
  private readonly absoluteS: number;
  private readonly idleS: number;
  private readonly permanent: boolean;

  constructor(
    cfg: SessionPersistence,
    private readonly ruleId: string,
    private readonly secret: Buffer,
  ) {
    this.name = cfg.name;
    this.lowerName = cfg.name.toLowerCase();
    this.isCookie = cfg.type === 'Cookie';
    this.absoluteS = cfg.absoluteTimeoutMs !== undefined ? Math.ceil(cfg.absoluteTimeoutMs / 1000) : 0;
    this.idleS = cfg.idleTimeoutMs !== undefined ? Math.ceil(cfg.idleTimeoutMs / 1000) : 0;
    this.permanent = cfg.cookieLifetime === 'Permanent';
  }

  /** Whether the token must be re-issued on every response (idle timeout slides). */
  get sliding(): boolean {
    return this.idleS > 0;
  }

  /** Reads and checks the request's token; null when absent, forged or expired. */
  read(rawHeaders: readonly string[], nowS: number): SessionToken | null {
    const raw = this.isCookie ? cookieValue(rawHeaders, this.name) : firstHeader(rawHeaders, this.lowerName);
    if (raw === undefined || raw.length === 0 || raw.length > 512) return null;
    const parts = raw.split('.');
    if (parts.length !== 5) return null;
    const [backend, ep, issued, last, sig] = parts as [string, string, string, string, string];
    const payload = `${backend}.${ep}.${issued}.${last}`;
    const expected = this.sign(payload);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const issuedS = Number(issued);
    const lastS = Number(last);
    if (this.absoluteS > 0 && nowS - issuedS > this.absoluteS) return null;
    if (this.idleS > 0 && nowS - lastS > this.idleS) return null;
    return {
      backend: Buffer.from(backend, 'base64url').toString(),
      endpoint: Buffer.from(ep, 'base64url').toString(),
      issued: issuedS,
    };
  }

  /** A token for the endpoint of a backend; `issued` is kept from the request's token when it was valid. */
  issue(backend: string, endpoint: string, issuedS: number, nowS: number): string {
    const payload = `${Buffer.from(backend).toString('base64url')}.${Buffer.from(endpoint).toString('base64url')}.${issuedS}.${nowS}`;
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The response header that hands the token to the client. */
  responseHeader(token: string): [name: string, value: string] {
    if (!this.isCookie) return [this.lowerName, token];
    let cookie = `${this.name}=${token}; Path=/; HttpOnly`;
    if (this.permanent && this.absoluteS > 0) cookie += `; Max-Age=${this.absoluteS}`;
    return ['set-cookie', cookie];
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(this.ruleId).update('\0').update(payload).digest().subarray(0, 16);
  }
}

/** The value of cookie `name` among the request's Cookie headers. */
export function cookieValue(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'cookie') continue;
    for (const part of rawHeaders[i + 1]!.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}
