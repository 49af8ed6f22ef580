/**
 * Headers sent to a backend and back to the client: hop-by-hop headers stripped (RFC 9110
 * §7.6.1, plus the names listed in Connection), X-Forwarded-For appended, X-Forwarded-Proto set,
 * the Host kept unless rewritten, then the route's header plan applied.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderObject, HeaderPlan } from '../filters/header-plan.js';

/** Never forwarded (in either direction). `te: trailers` is re-added for HTTP/2 backends. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
  // Answered by the client-side server itself; undici refuses to forward it.
  'expect',
]);

export interface ForwardOptions {
  readonly clientIp: string;
  readonly proto: 'http' | 'https';
  /** Host for backends when the client sent only :authority (HTTP/2). */
  readonly authority: string | undefined;
  readonly plan: HeaderPlan | null;
  readonly rewriteHost: string | null;
  /** Keep `connection: upgrade` and `upgrade` (WebSocket tunnels). */
  readonly keepUpgrade: boolean;
}

export function buildUpstreamHeaders(src: IncomingHttpHeaders, o: ForwardOptions): HeaderObject {
  const out: HeaderObject = {};
  const conn = src.connection;
  const listed = conn !== undefined && conn.includes(',') ? connectionTokens(conn) : null;
  const single = conn !== undefined && listed === null ? conn.trim().toLowerCase() : null;
  const drop = o.plan?.drop;
  for (const name in src) {
    if (name.charCodeAt(0) === 58 /* : */) continue;
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    if (drop !== undefined && drop.has(name)) continue;
    if (name === single) continue;
    out[name] = src[name];
  }
  if (out.host === undefined && o.authority !== undefined) out.host = o.authority;
  const xff = out['x-forwarded-for'];
  out['x-forwarded-for'] = xff === undefined ? o.clientIp : `${Array.isArray(xff) ? xff.join(', ') : xff}, ${o.clientIp}`;
  out['x-forwarded-proto'] = o.proto;
  if (o.plan !== null) o.plan.apply(out);
  if (o.rewriteHost !== null) out.host = o.rewriteHost;
  if (o.keepUpgrade) {
    out.connection = 'Upgrade';
    if (src.upgrade !== undefined) out.upgrade = src.upgrade;
  }
  return out;
}

function connectionTokens(value: string): Set<string> {
  const set = new Set<string>();
  for (const t of value.split(',')) set.add(t.trim().toLowerCase());
  return set;
}

/** Removes hop-by-hop and pseudo headers from a backend's response headers, in place. */
export function cleanResponseHeaders(h: HeaderObject): void {
  for (const name in h) {
    if (HOP_BY_HOP.has(name) || name.charCodeAt(0) === 58) delete h[name];
  }
}

/** Lengths of the HOP_BY_HOP names: only field names of these lengths are lower-cased to be checked. */
const HOP_LENGTHS: readonly boolean[] = (() => {
  const a: boolean[] = [];
  for (const name of HOP_BY_HOP) a[name.length] = true;
  return a;
})();

/**
 * A backend's HTTP/1.1 response head, undici's raw field lines (name, value, ... as Buffers),
 * appended to `out` as latin1 strings, names as sent, without hop-by-hop fields: ready for
 * `writeHead(status, out)`, with no header object and no lower-cased copies (a name is
 * lower-cased only when its length is that of a hop-by-hop name or Content-Length). Returns
 * the declared Content-Length, or -1 when there is none (or it is not a plain number).
 */
export function responseFields(raw: readonly Buffer[], out: string[]): number {
  let contentLength = -1;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const len = name.length;
    if (len === 14 || HOP_LENGTHS[len] === true) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) continue;
      if (lower === 'content-length') {
        const value = raw[i + 1]!.toString('latin1');
        out.push(name, value);
        contentLength = DIGITS.test(value) ? Number(value) : -1;
        continue;
      }
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return contentLength;
}

const DIGITS = /^\d{1,15}$/;

/** Field lines ([name, value, ...]) as a header object: lower-case names, repeated names as lists. */
export function fieldsToObject(fields: readonly string[]): HeaderObject {
  const h: HeaderObject = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    const value = fields[i + 1]!;
    const cur = h[name];
    if (cur === undefined) h[name] = value;
    else if (Array.isArray(cur)) cur.push(value);
    else h[name] = [cur, value];
  }
  return h;
}

/**
 * undici's raw trailer field lines as a header object. Hop-by-hop fields are left to the
 * exchange, which drops them from every backend's trailers (HTTP/1.1 and HTTP/2) alike.
 */
export function trailerObject(raw: readonly Buffer[]): HeaderObject {
  const fields: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) fields.push(raw[i]!.toString('latin1'), raw[i + 1]!.toString('latin1'));
  return fieldsToObject(fields);
}

/** The client's IP as seen on the connection ("" when unknown). */
export function clientIp(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}
