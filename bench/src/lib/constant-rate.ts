/**
 * Open-loop load at a constant rate, free of coordinated omission: request i is due at
 * t0 + i/rate whether or not earlier requests were answered, and its latency is measured from
 * that intended time, so time spent queued behind a slow server (or a busy connection) counts.
 * Requests go over a fixed set of keep-alive connections (a lean client, so the generator
 * does not limit the rate); a request that finds every connection busy waits in a queue, and
 * that wait is part of its latency.
 */
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeGet, RawConnection } from './raw-http-client.js';

export interface ConstantRateOptions {
  /** Origin, e.g. "http://127.0.0.1:8080". */
  origin: string;
  path: string;
  headers?: Readonly<Record<string, string>>;
  /** Several requests sent in turn instead of `path`/`headers`. */
  requests?: readonly { path: string; headers: Readonly<Record<string, string>> }[];
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Keep-alive connections (default 50, as wrk's -c50). */
  connections?: number;
  /** How long to wait for answers after the last send; unanswered requests count as errors. Default 5 s. */
  drainMs?: number;
}

/** Latencies in milliseconds, from each request's intended send time. */
export interface ConstantRateResult {
  rate: number;
  sent: number;
  completed: number;
  /** Responses with status ≥ 400 or < 200. */
  non2xx: number;
  /** Connection errors and requests still unanswered after the drain time. */
  errors: number;
  /** Requests per second actually answered. */
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Scheduler tick: due requests are sent in a batch each tick. */
const TICK_MS = 1;

export async function runConstantRate(o: ConstantRateOptions): Promise<ConstantRateResult> {
  if (!(o.rate > 0) || !(o.durationMs > 0)) throw new RangeError('rate and durationMs must be positive');
  const origin = new URL(o.origin);
  const histogram = createHistogram({ lowest: 1, highest: 120e9, figures: 3 });
  const list = o.requests && o.requests.length > 0 ? o.requests : [{ path: o.path, headers: o.headers ?? {} }];
  const encoded = list.map((r) => encodeGet(origin, r.path, r.headers));
  const total = Math.max(1, Math.floor((o.rate * o.durationMs) / 1000));
  const periodNs = 1e9 / o.rate;
  let sent = 0;
  let completed = 0;
  let non2xx = 0;
  let errors = 0;
  let lastDone = 0n;
  /** Set once the drain time is over: later callbacks (closed connections) are not counted. */
  let closed = false;
  // Requests due but not yet on a connection (intended times and request numbers), FIFO.
  const queue: { intended: bigint; n: number }[] = [];
  let head = 0;
  const inFlight = new Map<RawConnection, bigint>();

  const onDone = (conn: RawConnection, status: number, failed: boolean) => {
    if (closed) return;
    const intended = inFlight.get(conn)!;
    inFlight.delete(conn);
    const now = process.hrtime.bigint();
    lastDone = now;
    if (failed) errors++;
    else {
      completed++;
      if (status < 200 || status >= 400) non2xx++;
      const ns = Number(now - intended);
      histogram.record(ns > 0 ? ns : 1);
    }
    next(conn);
  };
  const connections = Array.from({ length: o.connections ?? 50 }, () => new RawConnection(origin.hostname, Number(origin.port || 80), onDone));
  const next = (conn: RawConnection) => {
    if (head >= queue.length || !conn.idle) return;
    const q = queue[head++]!;
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    inFlight.set(conn, q.intended);
    conn.send(encoded[q.n % encoded.length]!);
  };

  const t0 = process.hrtime.bigint();
  const endNs = BigInt(Math.round(o.durationMs * 1e6));
  while (sent < total) {
    const elapsed = process.hrtime.bigint() - t0;
    const due = Math.min(total, Math.floor(Number(elapsed) / periodNs) + 1);
    while (sent < due) {
      queue.push({ intended: t0 + BigInt(Math.round(sent * periodNs)), n: sent });
      sent++;
    }
    for (const c of connections) {
      if (head >= queue.length) break;
      if (c.idle) next(c);
    }
    if (elapsed > endNs) break;
    await sleep(TICK_MS);
  }
  const sendEnd = process.hrtime.bigint();
  const drainDeadline = Date.now() + (o.drainMs ?? 5_000);
  while (completed + errors < sent && Date.now() < drainDeadline) await sleep(5);
  const unanswered = sent - completed - errors;
  closed = true;
  for (const c of connections) c.close();
  errors += unanswered;
  const span = Number((lastDone > sendEnd ? lastDone : sendEnd) - t0) / 1e9;
  const ms = (ns: number) => (completed > 0 ? ns / 1e6 : Number.NaN);
  return {
    rate: o.rate,
    sent,
    completed,
    non2xx,
    errors,
    achievedRate: completed / span,
    p50Ms: ms(histogram.percentile(50)),
    p90Ms: ms(histogram.percentile(90)),
    p99Ms: ms(histogram.percentile(99)),
    p999Ms: ms(histogram.percentile(99.9)),
    maxMs: ms(histogram.max),
  };
}
