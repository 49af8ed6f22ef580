/**
 * RequestMirror: a fire-and-forget copy of the request to the mirror backend. Its response is
 * read and dropped, its errors only logged; nothing about it reaches the client's request.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import type { HeaderObject } from '../filters/header-plan.js';
import type { ProxyContext } from './proxy-context.js';
import { H2Attempt, type AttemptOwner, type UpstreamAttempt } from './upstream-attempt.js';

/** Longest a mirrored request may take before it is abandoned. */
const MIRROR_TIMEOUT_MS = 30_000;

export function sendMirror(
  ctx: ProxyContext,
  backend: BackendRuntime,
  method: string,
  path: string,
  headers: HeaderObject,
  body: Buffer | Readable | null,
  teTrailers: boolean,
): void {
  const upstream = backend.next();
  if (upstream === null) {
    (body as Readable | null)?.resume?.();
    return;
  }
  if (upstream.isHttp2) {
    const sink = new MirrorSink(ctx, backend.id);
    const a = new H2Attempt(sink, upstream);
    sink.attempt = a;
    a.start({ method, path, headers, body, teTrailers });
    return;
  }
  let pool;
  try {
    pool = upstream.getPool();
  } catch (err) {
    ctx.log('debug', 'mirror not sent', { backend: backend.id, error: (err as Error).message });
    return;
  }
  pool
    .request({
      method: method as Dispatcher.HttpMethod,
      path,
      headers: headers as Record<string, string | string[]>,
      body,
      bodyTimeout: MIRROR_TIMEOUT_MS,
      headersTimeout: MIRROR_TIMEOUT_MS,
    })
    .then((r) => r.body.dump())
    .catch((err: Error) => ctx.log('debug', 'mirror request failed', { backend: backend.id, error: err.message }));
}

/** Discards an HTTP/2 mirror's response. */
class MirrorSink implements AttemptOwner {
  attempt: UpstreamAttempt | null = null;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly ctx: ProxyContext,
    private readonly backend: string,
  ) {
    this.timer = setTimeout(() => this.attempt?.abort(new Error('mirror timeout')), MIRROR_TIMEOUT_MS);
    this.timer.unref();
  }
  onUpstreamResponse(): void {}
  onUpstreamData(): void {}
  onUpstreamEnd(): void {
    clearTimeout(this.timer);
  }
  onUpstreamError(_a: UpstreamAttempt, err: Error): void {
    clearTimeout(this.timer);
    this.ctx.log('debug', 'mirror request failed', { backend: this.backend, error: err.message });
  }
}
