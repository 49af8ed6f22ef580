import { createHash } from 'node:crypto';
import { goTrimSpace } from '../go/strings.js';
import { statusLineText } from '../go/status-text.js';
import type { HttpAction } from '../http/action.js';
import { headerGet, type EchoHttpRequest } from '../http/request.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a key (RFC 6455 section 4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A failed handshake as upstream's WebSocket library writes it on the hijacked connection. */
function failure(status: number, body: string, extra = ''): HttpAction {
  const head = `HTTP/1.1 ${String(status).padStart(3, '0')} ${statusLineText(status)}\r\n${extra}\r\n`;
  return { kind: 'raw', data: Buffer.from(head + body, 'latin1') };
}

/** `url.ParseRequestURI` acceptance of an Origin value, as far as a handshake needs it. */
function isRequestUri(origin: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(origin)) return false;
  return origin === '*' || origin.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(origin);
}

/**
 * The server handshake of upstream's WebSocket handler (hybi-13, origin required): a GET with
 * `Upgrade: websocket`, a `Connection` naming upgrade, a key, version 13 and an `Origin` that
 * parses as a request URI; at most one subprotocol offered. Failures are answered the way that
 * library does (status line, blank line, error text, then the connection closes).
 */
export function websocketHandshake(req: EchoHttpRequest): HttpAction {
  if (req.method !== 'GET') return failure(405, 'bad method');
  if (
    headerGet(req, 'Upgrade').toLowerCase() !== 'websocket' ||
    !headerGet(req, 'Connection').toLowerCase().includes('upgrade')
  ) {
    return failure(400, 'not websocket protocol');
  }
  const key = headerGet(req, 'Sec-Websocket-Key');
  if (key === '') return failure(400, 'mismatch challenge/response');
  if (headerGet(req, 'Sec-Websocket-Version') !== '13') {
    return failure(400, 'missing or bad WebSocket Version', 'Sec-WebSocket-Version: 13\r\n');
  }
  const offered = goTrimSpace(headerGet(req, 'Sec-Websocket-Protocol'));
  const protocols = offered === '' ? [] : offered.split(',').map((p) => goTrimSpace(p));
  const origin = headerGet(req, 'Origin');
  if (origin === '' || !isRequestUri(origin)) return failure(403, '');
  if (protocols.length > 1) return failure(400, '');
  return { kind: 'websocket', accept: acceptKey(key), protocol: protocols[0] };
}

/** The 101 answer for an accepted handshake. */
export function switchingProtocols(accept: string, protocol: string | undefined): Buffer {
  let head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
  head += `Sec-WebSocket-Accept: ${accept}\r\n`;
  if (protocol !== undefined) head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  return Buffer.from(head + '\r\n', 'latin1');
}
