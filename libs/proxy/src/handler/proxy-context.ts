/** What request handling needs from the Proxy besides the routed request. */
export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;

export interface ProxyContext {
  readonly log: LogFn;
}

/**
 * Largest request body buffered so that a rule with a retry policy can resend it. Requests with
 * a larger (or unknown-length, chunked) body are streamed and not retried.
 */
export const RETRY_BODY_LIMIT = 64 * 1024;

/** A mirror whose backend reads the copied body slower than this much backlog is dropped. */
export const MIRROR_BACKLOG_LIMIT = 1024 * 1024;
