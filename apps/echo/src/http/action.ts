/** A response header to write, name exactly as given (Go writes map keys as they are). */
export type ResponseHeader = readonly [name: string, value: string];

/** What a handler decided; the listener that carried the request carries it out. */
export type HttpAction =
  | {
      readonly kind: 'reply';
      readonly status: number;
      /** Headers in writing order; the transport adds Date and Content-Length. */
      readonly headers: readonly ResponseHeader[];
      readonly body: Buffer;
      /** An informational (1xx) status sent before the final response, as Go's `WriteHeader(1xx)`. */
      readonly informational?: number;
      /** Close the connection after this response (Go's `Connection: close` answers). */
      readonly close?: boolean;
    }
  /** Abort the TCP connection with a reset (SO_LINGER 0). */
  | { readonly kind: 'reset' }
  /** Drop the request without a response (a Go handler panic: the connection, or HTTP/2 stream, is closed). */
  | { readonly kind: 'abort' }
  /** Hand the connection to the WebSocket echo (the handshake was checked; the transport answers 101). */
  | { readonly kind: 'websocket'; readonly accept: string; readonly protocol: string | undefined }
  /** Write these bytes on the hijacked connection, then close it. */
  | { readonly kind: 'raw'; readonly data: Buffer };

/** The `reply` action. */
export type ReplyAction = Extract<HttpAction, { kind: 'reply' }>;

/** A reply with the given headers and body. */
export function reply(status: number, headers: readonly ResponseHeader[] = [], body: Buffer | string = ''): ReplyAction {
  return { kind: 'reply', status, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}

/** Go's `http.DetectContentType` result for the short plain-text bodies these handlers write. */
export const TEXT_PLAIN = 'text/plain; charset=utf-8';

/**
 * `http.Error(w, msg, code)`: plain text, `nosniff`, the message and a newline.
 */
export function goHttpError(message: string, status: number): ReplyAction {
  return reply(status, [['Content-Type', TEXT_PLAIN], ['X-Content-Type-Options', 'nosniff']], message + '\n');
}
