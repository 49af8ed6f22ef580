/**
 * One try of a request against one endpoint: over an undici Pool (HTTP/1.1) or a node:http2
 * client stream (H2C / H2). Both report to the Exchange through the same four calls, and both
 * can be aborted, paused and resumed. Stale callbacks of an aborted try are ignored.
 */
import type { ClientHttp2Stream, IncomingHttpHeaders as H2Headers } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { HeaderObject } from '../filters/header-plan.js';
import type { Upstream } from '../upstream/upstream.js';
import { responseFields, trailerObject } from './forward-headers.js';

/** The Exchange side of an attempt. */
export interface AttemptOwner {
  onUpstreamResponse(a: UpstreamAttempt, status: number, headers: HeaderObject): void;
  onUpstreamData(a: UpstreamAttempt, chunk: Buffer): void;
  onUpstreamEnd(a: UpstreamAttempt, trailers: HeaderObject | null): void;
  onUpstreamError(a: UpstreamAttempt, err: Error): void;
}

export interface UpstreamAttempt {
  readonly upstream: Upstream;
  abort(reason: Error): void;
  pause(): void;
  resume(): void;
}

export interface AttemptRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: HeaderObject;
  readonly body: Buffer | Readable | null;
  /** The client sent `te: trailers` (gRPC): forwarded to HTTP/2 backends. */
  readonly teTrailers: boolean;
}

/** Request aborted by the proxy: callbacks that follow are ignored. */
class AbortedAttempt extends Error {}

/** The Exchange side of an HTTP/1.1 attempt: the response head arrives as field lines. */
export interface H1AttemptOwner extends AttemptOwner {
  /**
   * `fields`: the backend's header field lines as [name, value, ...], names as sent, hop-by-hop
   * fields left out; `contentLength`: its declared body length, -1 when none.
   */
  onUpstreamFields(a: UpstreamAttempt, status: number, fields: string[], contentLength: number): void;
}

/**
 * HTTP/1.1 try over the endpoint's undici Pool. It is an undici dispatch handler of the
 * `onConnect / onHeaders / onData / onComplete / onError` form, which the Pool calls directly
 * with the response's raw field lines (the `onRequestStart / onResponseStart` form goes through
 * a wrapper that allocates two objects and builds a header object per response, and an empty
 * trailers object): one object per try.
 */
export class H1Attempt implements UpstreamAttempt {
  private abortFn: ((err: Error) => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private paused = false;
  private aborted: Error | null = null;

  constructor(
    private readonly owner: H1AttemptOwner,
    readonly upstream: Upstream,
  ) {}

  start(r: AttemptRequest): void {
    const u = this.upstream;
    try {
      u.getPool().dispatch(
        {
          method: r.method as Dispatcher.HttpMethod,
          path: r.path,
          headers: r.headers as Record<string, string | string[]>,
          body: r.body,
          // Fresh requests of any method may go on an idle keep-alive connection.
          blocking: false,
          // One server name per endpoint (the backend TLS policy's, or the address for plain
          // HTTP, where it is unused): undici would otherwise derive it from each request's
          // Host header, and reconnect a TLS pool whenever the Host changes.
          // (undici reads `servername` from the dispatch options; its types do not list it)
          servername: u.tls !== null ? u.tls.servername : u.address,
        } as Dispatcher.DispatchOptions,
        this as unknown as Dispatcher.DispatchHandler,
      );
    } catch (err) {
      queueMicrotask(() => this.onError(err as Error));
    }
  }

  /** @internal undici: the request is queued on a connection */
  onConnect(abort: (err: Error) => void): void {
    this.abortFn = abort;
    if (this.aborted !== null) abort(this.aborted);
  }

  /** @internal undici: the response head; false pauses the connection's reading */
  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    this.resumeFn = resume;
    if (this.aborted !== null || status < 200) return true;
    const fields: string[] = [];
    const contentLength = responseFields(raw, fields);
    this.owner.onUpstreamFields(this, status, fields, contentLength);
    return !this.paused;
  }

  /** @internal undici: a body chunk; false pauses */
  onData(chunk: Buffer): boolean {
    if (this.aborted === null) this.owner.onUpstreamData(this, chunk);
    return !this.paused;
  }

  /** @internal undici: the response ended (raw trailer field lines, possibly empty) */
  onComplete(rawTrailers: Buffer[] | null): void {
    if (this.aborted !== null) return;
    this.owner.onUpstreamEnd(this, rawTrailers !== null && rawTrailers.length > 0 ? trailerObject(rawTrailers) : null);
  }

  /** @internal undici */
  onError(err: Error): void {
    if (this.aborted === null) this.owner.onUpstreamError(this, err);
  }

  abort(reason: Error): void {
    if (this.aborted !== null) return;
    this.aborted = reason instanceof AbortedAttempt ? reason : new AbortedAttempt(reason.message);
    this.abortFn?.(this.aborted);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeFn?.();
  }
}

const kAttempt = Symbol('attempt');
type OwnedStream = ClientHttp2Stream & { [kAttempt]?: H2Attempt };

export class H2Attempt implements UpstreamAttempt {
  private stream: OwnedStream | null = null;
  private aborted = false;
  private ended = false;
  private trailers: HeaderObject | null = null;
  private body: Readable | null = null;

  constructor(
    private readonly owner: AttemptOwner,
    readonly upstream: Upstream,
  ) {}

  start(r: AttemptRequest): void {
    const h: HeaderObject = {};
    for (const name in r.headers) if (name !== 'host') h[name] = r.headers[name];
    h[':method'] = r.method;
    h[':path'] = r.path;
    h[':scheme'] = this.upstream.tls !== null || this.upstream.protocol === 'H2' ? 'https' : 'http';
    const host = r.headers.host;
    if (host !== undefined) h[':authority'] = Array.isArray(host) ? host[0] : host;
    if (r.teTrailers) h.te = 'trailers';
    let stream: OwnedStream;
    try {
      stream = this.upstream.getSession().request(h, { endStream: r.body === null }) as OwnedStream;
    } catch (err) {
      queueMicrotask(() => this.fail(err as Error));
      return;
    }
    stream[kAttempt] = this;
    this.stream = stream;
    stream.on('response', onH2Response);
    stream.on('data', onH2Data);
    stream.on('trailers', onH2Trailers);
    stream.on('end', onH2End);
    stream.on('error', onH2Error);
    stream.on('close', onH2Close);
    const body = r.body;
    if (Buffer.isBuffer(body)) stream.end(body);
    else if (body !== null) {
      this.body = body;
      body.pipe(stream);
    }
  }

  /** @internal */
  response(headers: H2Headers): void {
    if (this.aborted) return;
    const status = Number(headers[':status']);
    if (status < 200) return;
    this.owner.onUpstreamResponse(this, status, headers as HeaderObject);
  }
  /** @internal */
  data(chunk: Buffer): void {
    if (!this.aborted) this.owner.onUpstreamData(this, chunk);
  }
  /** @internal */
  setTrailers(t: H2Headers): void {
    this.trailers = t as HeaderObject;
  }
  /** @internal */
  end(): void {
    if (this.aborted || this.ended) return;
    this.ended = true;
    this.owner.onUpstreamEnd(this, this.trailers);
  }
  /** @internal */
  fail(err: Error): void {
    if (this.aborted || this.ended) return;
    this.aborted = true;
    this.body?.unpipe();
    this.owner.onUpstreamError(this, err);
  }

  abort(_reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.body?.unpipe();
    if (this.stream !== null && !this.stream.destroyed) this.stream.close(0x8 /* CANCEL */);
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }
}

function onH2Response(this: OwnedStream, headers: H2Headers): void {
  this[kAttempt]!.response(headers);
}
function onH2Data(this: OwnedStream, chunk: Buffer): void {
  this[kAttempt]!.data(chunk);
}
function onH2Trailers(this: OwnedStream, t: H2Headers): void {
  this[kAttempt]!.setTrailers(t);
}
function onH2End(this: OwnedStream): void {
  this[kAttempt]!.end();
}
function onH2Error(this: OwnedStream, err: Error): void {
  this[kAttempt]!.fail(err);
}
function onH2Close(this: OwnedStream): void {
  // Reset by the backend before the response ended.
  const code = this.rstCode ?? 0;
  const err = new Error(`backend stream closed (code ${code})`);
  (err as NodeJS.ErrnoException).code = 'ERR_HTTP2_STREAM_CLOSED';
  this[kAttempt]!.fail(err);
}
