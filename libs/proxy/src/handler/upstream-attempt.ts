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

export class H1Attempt implements Dispatcher.DispatchHandler, UpstreamAttempt {
  private controller: Dispatcher.DispatchController | null = null;
  private aborted: Error | null = null;

  constructor(
    private readonly owner: AttemptOwner,
    readonly upstream: Upstream,
  ) {}

  start(r: AttemptRequest): void {
    try {
      this.upstream.getPool().dispatch(
        {
          method: r.method as Dispatcher.HttpMethod,
          path: r.path,
          headers: r.headers as Record<string, string | string[]>,
          body: r.body,
          // Fresh requests of any method may go on an idle keep-alive connection.
          blocking: false,
        },
        this,
      );
    } catch (err) {
      queueMicrotask(() => this.onResponseError(null, err as Error));
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborted !== null) controller.abort(this.aborted);
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: HeaderObject): void {
    if (this.aborted !== null || status < 200) return;
    this.owner.onUpstreamResponse(this, status, headers);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.aborted === null) this.owner.onUpstreamData(this, chunk);
  }

  onResponseEnd(_c: Dispatcher.DispatchController, trailers: HeaderObject): void {
    if (this.aborted !== null) return;
    let any = false;
    for (const _ in trailers) {
      any = true;
      break;
    }
    this.owner.onUpstreamEnd(this, any ? trailers : null);
  }

  onResponseError(_c: Dispatcher.DispatchController | null, err: Error): void {
    if (this.aborted === null) this.owner.onUpstreamError(this, err);
  }

  abort(reason: Error): void {
    if (this.aborted !== null) return;
    this.aborted = reason instanceof AbortedAttempt ? reason : new AbortedAttempt(reason.message);
    this.controller?.abort(this.aborted);
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
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
