import { bytesToGoString, goStringToBytes } from '../go/go-string.js';
import { cleanRootedPath, escapePath, isValidEncodedPath, muxCleanPath, unescapeBytes } from '../go/url.js';
import { reply, TEXT_PLAIN, type HttpAction } from './action.js';
import { rawQueryOf } from './form.js';
import { absoluteFormPath } from './target.js';
import type { EchoHttpRequest } from './request.js';

/** Where the shared mux of the HTTP and HTTPS listeners sends a request. */
export type MuxRoute =
  | { readonly kind: 'health' | 'status' | 'retry' | 'ws' | 'echo' }
  | { readonly kind: 'answer'; readonly action: HttpAction };

/** `OPTIONS *`, answered by Go's server itself on every listener. */
export function globalOptionsAnswer(req: EchoHttpRequest): HttpAction | undefined {
  if (req.requestUri === '*' && req.method === 'OPTIONS') return reply(200);
  return undefined;
}

/** Go's answer to a request-target it cannot parse. */
export function malformedRequestAnswer(): HttpAction {
  return { ...reply(400, [['Content-Type', TEXT_PLAIN]], '400 Bad Request'), close: true };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** `http.Redirect(w, r, url, 301)` for a path-absolute URL. */
function redirect(req: EchoHttpRequest, target: string): HttpAction {
  const q = target.indexOf('?');
  let url = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  const trailing = url.endsWith('/');
  url = cleanRootedPath(url);
  if (trailing && !url.endsWith('/')) url += '/';
  url += query;
  const location = url.replace(/[^\x00-\x7f]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  const headers: Array<[string, string]> = [['Location', location]];
  if (req.method === 'GET' || req.method === 'HEAD') headers.push(['Content-Type', 'text/html; charset=utf-8']);
  const body = req.method === 'GET' ? `<a href="${url.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)}">Moved Permanently</a>.\n\n` : '';
  return reply(301, headers, body);
}

function withQuery(path: string, rawQuery: string): string {
  return rawQuery === '' ? path : `${path}?${rawQuery}`;
}

/**
 * Routes like upstream's handler chain: `//` in the path replaced by `/` (`preserveSlashes`),
 * then Go's `ServeMux` with `/health`, `/status/`, `/retry/`, `/ws` and `/`: unclean paths and
 * `/status`, `/retry` without the slash are redirected (301) the way the mux does.
 */
export function muxRoute(req: EchoHttpRequest): MuxRoute {
  const answer = (action: HttpAction): MuxRoute => ({ kind: 'answer', action });
  const options = globalOptionsAnswer(req);
  if (options) return answer(options);
  if (req.requestUri === '*') return answer({ ...reply(400, [['Connection', 'close']]), close: true });
  const rawPath = absoluteFormPath(req.requestUri);
  if (rawPath === undefined) return answer(malformedRequestAnswer());
  let pathBytes: Buffer;
  try {
    pathBytes = unescapeBytes(rawPath, 'path');
  } catch {
    return answer(malformedRequestAnswer());
  }
  // preserveSlashes: r.URL.Path with "//" replaced by "/" (once over the string, as ReplaceAll).
  const path = bytesToGoString(pathBytes).replaceAll('//', '/');
  const newBytes = goStringToBytes(path);
  const keepRaw = isValidEncodedPath(rawPath) && unescapeBytes(rawPath, 'path').equals(newBytes);
  const escaped = keepRaw ? rawPath : escapePath(newBytes);
  const cleaned = muxCleanPath(escaped);
  const rawQuery = rawQueryOf(req.requestUri);
  let segments: string[];
  try {
    segments = cleaned.split('/').slice(1).map((s) => unescapeBytes(s, 'path').toString('latin1'));
  } catch {
    return answer(malformedRequestAnswer());
  }
  const only = (name: string): boolean => segments.length === 1 && segments[0] === name;
  const subtree = (name: string): boolean => segments.length >= 2 && segments[0] === name;
  if (only('status') || only('retry')) {
    return answer(redirect(req, withQuery(escapePath(goStringToBytes(muxCleanPath(path))) + '/', rawQuery)));
  }
  if (cleaned !== escaped) {
    return answer(redirect(req, withQuery(escapePath(Buffer.from(cleaned, 'latin1')), rawQuery)));
  }
  if (only('health')) return { kind: 'health' };
  if (only('ws')) return { kind: 'ws' };
  if (subtree('status')) return { kind: 'status' };
  if (subtree('retry')) return { kind: 'retry' };
  return { kind: 'echo' };
}
