/**
 * The client-side request and response, HTTP/1.1 (node:http) or HTTP/2 (node:http2
 * compatibility API): the proxy treats both through the members they share.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** The response members used by the proxy (common to both protocols). */
export interface ResponseLike {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  /** `headers`: a header object, or field lines [name, value, ...]. */
  writeHead(status: number, headers?: OutgoingHttpHeaders | string[]): unknown;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  addTrailers(headers: OutgoingHttpHeaders): void;
  destroy(err?: Error): unknown;
  once(event: 'drain', fn: () => void): unknown;
}

export function asResponse(res: ClientResponse): ResponseLike {
  return res as unknown as ResponseLike;
}
