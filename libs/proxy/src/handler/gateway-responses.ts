/**
 * Responses the gateway makes itself: errors (plain text, or a gRPC trailers-only status),
 * redirects and CORS preflight answers.
 */
import { STATUS_CODES } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { HeaderObject } from '../filters/header-plan.js';
import { grpcStatusForHttp } from './grpc-status.js';
import { asResponse, type ClientResponse } from './http-types.js';

/** Answers `status` with a short text body, or the matching gRPC status for gRPC requests. */
export function sendStatus(res: ClientResponse, status: number, grpc: boolean, message?: string): void {
  const r = asResponse(res);
  if (r.headersSent || r.writableEnded || r.destroyed) {
    if (!r.writableEnded) r.destroy();
    return;
  }
  const text = message ?? STATUS_CODES[status] ?? 'Error';
  if (grpc) {
    sendGrpcStatus(res, grpcStatusForHttp(status), text);
    return;
  }
  if (status === 204 || status === 304 || status < 200) {
    r.writeHead(status);
    r.end();
    return;
  }
  const body = `${text}\n`;
  r.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  r.end(body);
}

/** A trailers-only gRPC response: one HEADERS frame with END_STREAM on HTTP/2. */
export function sendGrpcStatus(res: ClientResponse, code: number, message: string): void {
  const headers = { 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) };
  const stream = (res as Http2ServerResponse).stream;
  if (stream !== undefined && typeof stream.respond === 'function') {
    if (!stream.headersSent && !stream.destroyed) stream.respond({ ':status': 200, ...headers }, { endStream: true });
    return;
  }
  const r = asResponse(res);
  r.writeHead(200, { ...headers, 'content-length': 0 });
  r.end();
}

/** A response with headers only (redirects, preflights). */
export function sendHeadersOnly(res: ClientResponse, status: number, headers: HeaderObject): void {
  const r = asResponse(res);
  if (r.headersSent) return;
  // 204 and 304 carry no Content-Length (RFC 9110 §8.6).
  if (status !== 204 && status !== 304) headers['content-length'] = '0';
  r.writeHead(status, headers);
  r.end();
}
