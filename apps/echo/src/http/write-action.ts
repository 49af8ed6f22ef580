import type { ServerResponse } from 'node:http';
import { constants as h2, type Http2ServerResponse, type OutgoingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { goStringToBytes } from '../go/go-string.js';
import { statusLineText } from '../go/status-text.js';
import { textprotoTrim } from '../go/strings.js';
import { runWebSocketEcho } from '../websocket/echo-connection.js';
import { switchingProtocols } from '../websocket/handshake.js';
import type { HttpAction, ResponseHeader } from './action.js';
import { resetConnection } from './raw-socket.js';

/** Framing headers the transport computes itself; a handler-given value would break framing. */
const FRAMING = new Set(['content-length', 'transfer-encoding']);

/** Header values are Go strings: written as their bytes (Node writes header strings as latin1). */
function wireValue(value: string): string {
  return goStringToBytes(textprotoTrim(value)).toString('latin1');
}

function hasBody(status: number): boolean {
  return !(status < 200 || status === 204 || status === 304);
}

function http1HeaderList(status: number, headers: readonly ResponseHeader[], body: Buffer, close: boolean): string[] {
  const flat: string[] = [];
  for (const [name, value] of headers) {
    if (FRAMING.has(name.toLowerCase())) continue;
    flat.push(name, wireValue(value));
  }
  if (hasBody(status)) flat.push('Content-Length', String(body.length));
  if (close) flat.push('Connection', 'close');
  return flat;
}

/** Carries out an action on an HTTP/1.x response. */
export function writeHttp1(res: ServerResponse, action: HttpAction): void {
  const socket = res.socket;
  switch (action.kind) {
    case 'reply': {
      if (action.informational !== undefined && socket && !res.headersSent) {
        socket.write(`HTTP/1.1 ${action.informational} ${statusLineText(action.informational)}\r\n\r\n`);
      }
      const flat = http1HeaderList(action.status, action.headers, action.body, action.close === true);
      res.writeHead(action.status, statusLineText(action.status), flat);
      res.end(action.body);
      return;
    }
    case 'reset':
      resetConnection(socket);
      return;
    case 'abort':
    case 'websocket':
      socket?.destroy();
      return;
    case 'raw':
      socket?.end(action.data);
      return;
  }
}

/**
 * Carries out an action on a connection taken over from the HTTP/1 server (an Upgrade request):
 * replies are written by hand and the connection is closed after them.
 */
export function writeRaw(socket: Duplex, action: HttpAction, method: string, head: Buffer): void {
  switch (action.kind) {
    case 'reply': {
      let text = '';
      if (action.informational !== undefined) {
        text += `HTTP/1.1 ${action.informational} ${statusLineText(action.informational)}\r\n\r\n`;
      }
      const flat = http1HeaderList(action.status, action.headers, action.body, true);
      text += `HTTP/1.1 ${action.status} ${statusLineText(action.status)}\r\n`;
      for (let i = 0; i < flat.length; i += 2) text += `${flat[i]}: ${flat[i + 1]}\r\n`;
      text += `Date: ${new Date().toUTCString()}\r\n\r\n`;
      const withBody = method !== 'HEAD' && hasBody(action.status);
      socket.end(withBody ? Buffer.concat([Buffer.from(text, 'latin1'), action.body]) : Buffer.from(text, 'latin1'));
      return;
    }
    case 'reset':
      resetConnection(socket);
      return;
    case 'abort':
      socket.destroy();
      return;
    case 'raw':
      socket.end(action.data);
      return;
    case 'websocket':
      socket.write(switchingProtocols(action.accept, action.protocol));
      runWebSocketEcho(socket, head);
      return;
  }
}

/** Carries out an action on an HTTP/2 stream. */
export function writeHttp2(res: Http2ServerResponse, action: HttpAction): void {
  switch (action.kind) {
    case 'reply': {
      let status = action.status;
      const informational = action.informational ?? (status < 200 ? status : undefined);
      if (status < 200) status = 200;
      if (informational !== undefined) {
        try {
          res.stream.additionalHeaders({ [h2.HTTP2_HEADER_STATUS]: informational });
        } catch {
          // HTTP/2 has no 101; the final response follows alone.
        }
      }
      const headers = http2Headers(action.headers, action.body, status, false);
      try {
        res.writeHead(status, headers);
      } catch {
        // Node refuses a repeated single-value header (content-type, ...): keep the last value.
        res.writeHead(status, http2Headers(action.headers, action.body, status, true));
      }
      res.end(action.body);
      return;
    }
    case 'reset':
      resetConnection(res.stream.session?.socket);
      return;
    case 'abort':
    case 'websocket':
    case 'raw':
      // Upstream's handler panics (no hijacking over HTTP/2): the stream is reset.
      res.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
      return;
  }
}

/** Connection-specific fields HTTP/2 forbids (RFC 9113 section 8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

function http2Headers(headers: readonly ResponseHeader[], body: Buffer, status: number, lastWins: boolean): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(key) || key === 'content-length') continue;
    const v = wireValue(value);
    const prev = out[key];
    if (prev === undefined || lastWins) out[key] = v;
    else out[key] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  if (hasBody(status)) out['content-length'] = String(body.length);
  return out;
}
