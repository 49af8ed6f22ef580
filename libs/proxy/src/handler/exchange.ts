/**
 * One client request from routing to the last byte: the rule's gateway-side answers (CORS
 * preflight, redirect, direct response), backend and endpoint choice (weights, session
 * persistence, round-robin), mirrors, then tries against the backend with the rule's timeouts
 * and retry policy, streaming the response back with the response filters applied.
 *
 * Callbacks are module-level functions or methods receiving the Exchange, so a request costs
 * this object, its header object and its attempt, and no closures.
 */
import type { Http2ServerRequest } from 'node:http2';
import { PassThrough, type Readable } from 'node:stream';
import { endpointKey } from '../backends/backend-runtime.js';
import type { CompiledBackendRef, CompiledRule } from '../compile/compiled-types.js';
import { isPreflight } from '../filters/cors.js';
import type { HeaderObject, HeaderPlan } from '../filters/header-plan.js';
import { kResponseObserver, type ResponseObserver } from '../server/bound-socket.js';
import type { Upstream } from '../upstream/upstream.js';
import { buildUpstreamHeaders, cleanResponseHeaders, clientIp, fieldsToObject } from './forward-headers.js';
import { sendHeadersOnly, sendStatus } from './gateway-responses.js';
import { asResponse, type ClientRequest, type ClientResponse, type ResponseLike } from './http-types.js';
import { sendMirror } from './mirror.js';
import { MIRROR_BACKLOG_LIMIT, RETRY_BODY_LIMIT, type ProxyContext } from './proxy-context.js';
import { redirectLocation, upstreamPath, type Routed } from './route-request.js';
import { H1Attempt, H2Attempt, type AttemptRequest, type H1AttemptOwner, type UpstreamAttempt } from './upstream-attempt.js';

const kExchange = Symbol('exchange');
type Owned<T> = T & { [kExchange]?: Exchange };

class TimeoutError extends Error {}

/** Errors that mean the request never reached the backend (safe to try another endpoint). */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'ERR_HTTP2_STREAM_CLOSED',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_ERROR',
]);

export class Exchange implements H1AttemptOwner, ResponseObserver {
  private readonly res: ResponseLike;
  private readonly rule: CompiledRule;
  private ref: CompiledBackendRef | null = null;
  private upstream: Upstream | null = null;
  /** Endpoints tried so far when a retry must avoid them (connection errors, timeouts). */
  private tried: Upstream[] | null = null;
  private current: UpstreamAttempt | null = null;
  private triesLeft = 0;
  private body: Buffer | Readable | null = null;
  private replayable = true;
  private headers: HeaderObject = {};
  private upstreamPath = '';
  private requestTimer: NodeJS.Timeout | null = null;
  private tryTimer: NodeJS.Timeout | null = null;
  private done = false;
  private chunks: Buffer[] | null = null;
  private sessionIssued = -1;
  private origin: string | undefined;
  /** Set when the gateway answers itself after the mirrors are sent: [status, message]. */
  private failure: [number, string] | null = null;
  /** Response body bytes still to come when the backend declared a Content-Length, else -1. */
  private bodyLeft = -1;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: ClientRequest,
    res: ClientResponse,
    private readonly r: Routed,
  ) {
    this.res = asResponse(res);
    this.rule = r.match.rule;
  }

  run(): void {
    const { req, rule, r } = this;
    const method = req.method ?? 'GET';
    const origin = req.headers.origin;
    this.origin = origin;
    if (rule.cors !== null && isPreflight(method, origin, req.headers['access-control-request-method'] as string | undefined)) {
      const preflight =
        rule.cors.preflightHeaders(
          origin!,
          req.headers['access-control-request-method'] as string,
          req.headers['access-control-request-headers'] as string | undefined,
        ) ?? {};
      // The CORS headers and the ResponseHeaderModifier apply in the order they are listed.
      const h: HeaderObject = rule.corsFirst ? preflight : {};
      rule.responsePlan?.apply(h);
      if (!rule.corsFirst) Object.assign(h, preflight);
      sendHeadersOnly(this.res as unknown as ClientResponse, 204, h);
      return;
    }
    if (rule.redirect !== null) {
      const location = redirectLocation(r, rule.redirect);
      // Mirrors listed before the redirect copy the request (those after it never run).
      if (rule.mirrors.length > 0) {
        this.body = hasBody(req) ? req : null;
        this.startMirrors(false);
      }
      const h: HeaderObject = { location };
      this.decorateResponse(h, null);
      sendHeadersOnly(this.res as unknown as ClientResponse, rule.redirect.statusCode, h);
      return;
    }
    if (rule.directStatus !== 0) return this.fail(rule.directStatus);

    // Backend and endpoint. A request the gateway must answer itself (no usable backend or
    // endpoint) is still mirrored: mirrors copy every request the rule takes, whatever backend
    // the weights pick.
    if (rule.session !== null) this.resumeSession();
    if (this.ref === null) this.ref = rule.picker.pick() ?? null;
    const backend = this.ref?.backend ?? null;
    if (this.ref === null) this.failure = [500, 'no backend with a non-zero weight'];
    else if (backend === null) this.failure = [500, 'invalid backend'];
    else if (this.upstream === null) {
      this.upstream = backend.next();
      if (this.upstream === null) this.failure = [503, 'no ready endpoint'];
    }
    if (this.failure !== null && rule.mirrors.length === 0) return this.fail(this.failure[0], this.failure[1]);

    if (this.failure === null) {
      this.headers = this.forwardHeaders(this.ref!.requestPlan, this.ref!.rewriteHost);
      this.upstreamPath = upstreamPath(r, rule.rewritePath);
      (this.res as Owned<ResponseLike>)[kExchange] = this;
      if (req.httpVersionMajor === 2) {
        (this.res as unknown as NodeJS.EventEmitter).on('close', onClientClose);
      } else {
        // The bound socket listens to every HTTP/1.1 response's 'close' and tells us.
        (this.res as ResponseLike & { [kResponseObserver]?: ResponseObserver })[kResponseObserver] = this;
      }
      if (rule.requestMs > 0) this.requestTimer = setTimeout(onRequestTimeout, rule.requestMs, this);
      if (rule.retry !== null) this.triesLeft = rule.retry.attempts;
      backend!.budget?.onRequest(Date.now());
    }

    if (!hasBody(req)) {
      this.body = null;
    } else if (this.failure === null && rule.retry !== null && contentLength(req) <= RETRY_BODY_LIMIT) {
      // Buffer the (small) body so a retry can resend it.
      this.chunks = [];
      (req as Owned<ClientRequest>)[kExchange] = this;
      req.on('data', onBodyData);
      req.on('end', onBodyEnd);
      return;
    } else {
      this.replayable = false;
      this.body = req;
    }
    this.startMirrorsAndFirstTry();
  }

  /** @internal the buffered body is complete */
  bodyBuffered(): void {
    this.body = Buffer.concat(this.chunks!);
    this.chunks = null;
    this.startMirrorsAndFirstTry();
  }

  /** @internal */
  bufferChunk(chunk: Buffer): void {
    this.chunks?.push(chunk);
  }

  private startMirrorsAndFirstTry(): void {
    if (this.done) return;
    if (this.rule.mirrors.length > 0) this.startMirrors(this.failure === null);
    if (this.failure !== null) {
      this.fail(this.failure[0], this.failure[1]);
      return;
    }
    this.startAttempt();
  }

  /**
   * Fire-and-forget copies: each mirror gets the request as the filters listed before it left
   * it, and its own copy of the body. A streamed body is teed: the main request keeps its
   * backpressure, a mirror that falls behind is dropped.
   */
  private startMirrors(withMain: boolean): void {
    const { req, rule, r } = this;
    const body = this.body;
    const streamed = body !== null && !(body instanceof Buffer);
    let bodies: PassThrough[] | null = null;
    for (const m of rule.mirrors) {
      if (m.percent < 100 && Math.random() * 100 >= m.percent) continue;
      let copy = body;
      if (streamed) {
        const pass = new PassThrough({ highWaterMark: MIRROR_BACKLOG_LIMIT });
        (bodies ??= []).push(pass);
        copy = pass;
      }
      const headers = this.forwardHeaders(m.requestPlan, m.rewriteHost);
      sendMirror(this.ctx, m.backend, req.method ?? 'GET', upstreamPath(r, m.rewritePath), headers, copy, this.teTrailers());
    }
    if (streamed) {
      // Without a main request (the gateway answers itself) the mirrors alone read the body.
      if (bodies !== null) this.body = teeBody(req, bodies, withMain);
      else if (!withMain) req.resume();
    }
  }

  /** The request's headers as a backend (or a mirror) gets them, after `plan` and a Host rewrite. */
  private forwardHeaders(plan: HeaderPlan | null, rewriteHost: string | null): HeaderObject {
    const { req, r } = this;
    return buildUpstreamHeaders(req.headers, {
      clientIp: clientIp(req.socket?.remoteAddress),
      proto: r.state.port.tls ? 'https' : 'http',
      authority: r.authority,
      plan,
      rewriteHost,
      keepUpgrade: false,
    });
  }

  /** Response filters in their order: the rule's ResponseHeaderModifier and CORS, then the backendRef's. */
  private decorateResponse(h: HeaderObject, ref: CompiledBackendRef | null): void {
    const { rule, origin } = this;
    const cors = origin !== undefined ? rule.cors : null;
    if (cors !== null && rule.corsFirst) cors.decorate(h, origin!);
    rule.responsePlan?.apply(h);
    if (cors !== null && !rule.corsFirst) cors.decorate(h, origin!);
    ref?.responsePlan?.apply(h);
  }

  /** The client asked for trailers (gRPC): HTTP/2 backends get `te: trailers`. */
  private teTrailers(): boolean {
    return this.req.headers.te === 'trailers';
  }

  private startAttempt(): void {
    if (this.done) return;
    const upstream = this.upstream!;
    const attempt = upstream.isHttp2 ? new H2Attempt(this, upstream) : new H1Attempt(this, upstream);
    this.current = attempt;
    if (this.rule.backendRequestMs > 0) this.tryTimer = setTimeout(onTryTimeout, this.rule.backendRequestMs, this, attempt);
    const request: AttemptRequest = {
      method: this.req.method ?? 'GET',
      path: this.upstreamPath,
      headers: this.headers,
      body: this.body,
      teTrailers: this.teTrailers(),
    };
    attempt.start(request);
  }

  /** HTTP/2 backends: the response head as a header object. */
  onUpstreamResponse(a: UpstreamAttempt, status: number, headers: HeaderObject): void {
    if (!this.takeResponse(a, status)) return;
    cleanResponseHeaders(headers);
    this.writeDecorated(status, headers);
  }

  /**
   * HTTP/1.1 backends: the response head as field lines. Without response filters (the common
   * case) they go to `writeHead` as they are; otherwise through a header object.
   */
  onUpstreamFields(a: UpstreamAttempt, status: number, fields: string[], contentLength: number): void {
    if (!this.takeResponse(a, status)) return;
    this.bodyLeft = contentLength;
    const { rule } = this;
    if (rule.responsePlan !== null || this.ref!.responsePlan !== null || (rule.cors !== null && this.origin !== undefined) || rule.session !== null) {
      this.writeDecorated(status, fieldsToObject(fields));
    } else {
      this.res.writeHead(status, fields);
    }
  }

  /** Whether the response of try `a` goes to the client (not stale, not retried). */
  private takeResponse(a: UpstreamAttempt, status: number): boolean {
    if (a !== this.current || this.done) {
      a.abort(new Error('stale'));
      return false;
    }
    this.clearTryTimer();
    this.ref!.backend!.report(a.upstream, status >= 500);
    const retry = this.rule.retry;
    if (retry !== null && retry.codes.has(status)) {
      const decision = this.retryDecision();
      if (decision !== 'no') {
        a.abort(new Error(`retrying after status ${status}`));
        if (decision === 'retry') this.retry(false);
        else this.fail(503, 'retry budget exhausted');
        return false;
      }
    }
    return true;
  }

  private writeDecorated(status: number, headers: HeaderObject): void {
    this.decorateResponse(headers, this.ref);
    if (this.sessionIssued !== -2 && this.rule.session !== null) this.addSessionToken(headers);
    this.res.writeHead(status, headers);
  }

  onUpstreamData(a: UpstreamAttempt, chunk: Buffer): void {
    if (a !== this.current || this.done) return;
    const left = this.bodyLeft;
    if (left === chunk.length) {
      // The last bytes of a body of declared length (often the whole body): head and body leave
      // in one write, and the exchange is over (undici's end of message follows, ignored).
      this.res.end(chunk);
      this.finish();
      return;
    }
    if (left > 0) this.bodyLeft = left - chunk.length;
    if (!this.res.write(chunk)) {
      a.pause();
      (this.res as unknown as NodeJS.EventEmitter).once('drain', onClientDrain);
    }
  }

  onUpstreamEnd(a: UpstreamAttempt, trailers: HeaderObject | null): void {
    if (a !== this.current || this.done) return;
    if (trailers !== null) {
      cleanResponseHeaders(trailers);
      this.res.addTrailers(trailers);
    }
    this.res.end();
    this.finish();
  }

  onUpstreamError(a: UpstreamAttempt, err: Error): void {
    if (a !== this.current || this.done) return;
    this.clearTryTimer();
    if (this.res.headersSent) {
      this.ctx.log('debug', 'backend failed mid-response', { rule: this.rule.id, error: err.message });
      this.res.destroy();
      this.finish();
      return;
    }
    const timedOut = err instanceof TimeoutError;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const connectError = !timedOut && CONNECT_ERRORS.has(code);
    this.ref!.backend!.report(a.upstream, true);
    const retry = this.rule.retry;
    if (retry !== null && (connectError || (timedOut && retry.codes.has(504)))) {
      const decision = this.retryDecision();
      if (decision === 'retry') {
        // Another endpoint (another cluster when none of this one is left) after a connection error or a timeout.
        this.retry(connectError || timedOut);
        return;
      }
      if (decision === 'budget') {
        this.fail(503, 'retry budget exhausted');
        return;
      }
    }
    this.ctx.log('debug', 'backend request failed', { rule: this.rule.id, endpoint: a.upstream.key, error: err.message, code });
    this.fail(timedOut ? 504 : 502, timedOut ? 'backend request timed out' : 'backend unavailable');
  }

  /** @internal backend try took longer than backendRequestMs */
  tryTimedOut(a: UpstreamAttempt): void {
    this.tryTimer = null;
    if (a !== this.current || this.done) return;
    a.abort(new Error('backend request timeout'));
    this.onUpstreamError(a, new TimeoutError('backend request timeout'));
  }

  /** @internal the whole request took longer than requestMs */
  requestTimedOut(): void {
    this.requestTimer = null;
    if (this.done) return;
    this.current?.abort(new Error('request timeout'));
    this.fail(504, 'request timed out');
  }

  /** @internal the response closed: finished, or the client went away first (then the try is aborted) */
  responseClosed(): void {
    if (this.done) return;
    this.current?.abort(new Error('client closed'));
    this.finish();
  }

  /** @internal the client can take more data */
  clientDrained(): void {
    this.current?.resume();
  }

  /**
   * Whether a failed try may be retried: 'no' when no try is left (or the body cannot be
   * resent: the last answer goes to the client), 'budget' when the backend's retry budget
   * refuses (the spec asks for a 503 then), else 'retry'.
   */
  private retryDecision(): 'retry' | 'no' | 'budget' {
    if (this.triesLeft <= 0 || !this.replayable) return 'no';
    const budget = this.ref!.backend!.budget;
    return budget === null || budget.tryAcquire(Date.now()) ? 'retry' : 'budget';
  }

  private retry(preferOtherEndpoint: boolean): void {
    this.triesLeft--;
    const backend = this.ref!.backend!;
    // Every endpoint that failed this request is avoided, so a retry reaches another cluster once
    // none of the local ones is left.
    if (preferOtherEndpoint && this.upstream !== null) (this.tried ??= []).push(this.upstream);
    const next = preferOtherEndpoint ? backend.nextExcept(this.tried) : backend.next();
    if (next !== null) this.upstream = next;
    this.current = null;
    const backoff = this.rule.retry!.backoffMs;
    if (backoff > 0) setTimeout(onRetryTimer, backoff, this);
    else setImmediate(onRetryTimer, this);
  }

  /** @internal */
  retryNow(): void {
    this.startAttempt();
  }

  private resumeSession(): void {
    const session = this.rule.session!;
    const nowS = Math.floor(Date.now() / 1000);
    const token = session.read(this.req.rawHeaders, nowS);
    if (token !== null) {
      // The backendRef the session is on, whatever its weight now: a session stays on its
      // endpoint while that endpoint is ready.
      const ref = this.rule.refs.find((x) => x.backend !== null && x.backend.id === token.backend);
      const upstream = ref?.backend?.byEndpoint.get(token.endpoint);
      if (ref !== undefined && upstream !== undefined) {
        this.ref = ref;
        this.upstream = upstream;
        // -2: valid token and nothing to refresh.
        this.sessionIssued = session.sliding ? token.issued : -2;
        return;
      }
    }
    this.sessionIssued = nowS;
  }

  private addSessionToken(headers: HeaderObject): void {
    const session = this.rule.session!;
    const u = this.upstream!;
    const nowS = Math.floor(Date.now() / 1000);
    const token = session.issue(this.ref!.backend!.id, endpointKey(u.address, u.port), this.sessionIssued < 0 ? nowS : this.sessionIssued, nowS);
    const [name, value] = session.responseHeader(token);
    const cur = headers[name];
    if (name === 'set-cookie' && cur !== undefined) headers[name] = [...(Array.isArray(cur) ? cur : [cur]), value];
    else headers[name] = value;
  }

  private fail(status: number, message?: string): void {
    sendStatus(this.res as unknown as ClientResponse, status, this.r.grpc, message);
    this.finish();
  }

  private clearTryTimer(): void {
    if (this.tryTimer !== null) {
      clearTimeout(this.tryTimer);
      this.tryTimer = null;
    }
  }

  private finish(): void {
    this.done = true;
    this.current = null;
    this.clearTryTimer();
    if (this.requestTimer !== null) {
      clearTimeout(this.requestTimer);
      this.requestTimer = null;
    }
  }
}

function onClientClose(this: Owned<ResponseLike>): void {
  this[kExchange]?.responseClosed();
}
function onClientDrain(this: Owned<ResponseLike>): void {
  this[kExchange]?.clientDrained();
}
function onRequestTimeout(ex: Exchange): void {
  ex.requestTimedOut();
}
function onTryTimeout(ex: Exchange, a: UpstreamAttempt): void {
  ex.tryTimedOut(a);
}
function onRetryTimer(ex: Exchange): void {
  ex.retryNow();
}
function onBodyData(this: Owned<ClientRequest>, chunk: Buffer): void {
  this[kExchange]?.bufferChunk(chunk);
}
function onBodyEnd(this: Owned<ClientRequest>): void {
  this[kExchange]?.bodyBuffered();
}

function hasBody(req: ClientRequest): boolean {
  if (req.httpVersionMajor === 2) {
    const stream = (req as Http2ServerRequest).stream;
    return !(stream.endAfterHeaders || stream.readableEnded);
  }
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** Declared body length; Infinity when unknown (chunked / HTTP/2 without content-length). */
function contentLength(req: ClientRequest): number {
  const cl = req.headers['content-length'];
  if (cl === undefined) return Infinity;
  const n = Number(cl);
  return Number.isFinite(n) && n >= 0 ? n : Infinity;
}

/**
 * Copies the request body to the mirrors while it streams to the backend: the main copy keeps
 * its backpressure; a mirror that falls `MIRROR_BACKLOG_LIMIT` behind is dropped, so a slow
 * mirror never slows the main request. `withMain` false: only the mirrors read the body.
 */
function teeBody(req: ClientRequest, mirrors: PassThrough[], withMain: boolean): PassThrough {
  const main = new PassThrough();
  req.on('data', (chunk: Buffer) => {
    for (const m of mirrors) {
      if (m.destroyed) continue;
      if (m.writableLength > MIRROR_BACKLOG_LIMIT) m.destroy();
      else m.write(chunk);
    }
    if (withMain && !main.write(chunk)) req.pause();
  });
  main.on('drain', () => req.resume());
  req.on('end', () => {
    main.end();
    for (const m of mirrors) if (!m.destroyed) m.end();
  });
  req.on('error', (err) => {
    main.destroy(err);
    for (const m of mirrors) m.destroy();
  });
  return main;
}
