import { reply, TEXT_PLAIN, type HttpAction } from './action.js';
import type { EchoHttpRequest } from './request.js';

const STATUS_URI = /^\/status\/(\d\d\d)$/;

/**
 * Upstream's `statusHandler`: the status named by a RequestURI of exactly `/status/NNN` (so a
 * query string gives 400), empty body. As in Go: a code below 100 makes `WriteHeader` panic (the
 * request is dropped); an informational code other than 101 is sent as such, then `200 OK`.
 */
export function statusHandler(req: EchoHttpRequest): HttpAction {
  const m = STATUS_URI.exec(req.requestUri);
  const code = m ? Number(m[1]) : 400;
  if (code < 100) return { kind: 'abort' };
  if (code < 200 && code !== 101) return { ...reply(200), informational: code };
  return reply(code);
}

/** Upstream's `healthHandler`: 200 `OK` (Go sniffs the content type as plain text). */
export function healthHandler(): HttpAction {
  return reply(200, [['Content-Type', TEXT_PLAIN]], 'OK');
}
