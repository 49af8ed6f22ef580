import { GoDurationError, parseDuration } from '../go/duration.js';
import { parseQuery } from '../go/url.js';
import { sleepNs } from '../sleep.js';
import { goHttpError, reply, type HttpAction } from './action.js';
import { echoHandler, type HttpHandlerContext } from './echo-handler.js';
import { rawQueryOf } from './form.js';
import type { EchoHttpRequest } from './request.js';

/**
 * Attempts seen per `uuid`. One per server instance, as upstream keeps one per process (a pod):
 * two instances do not share it.
 */
export class RetryCounters {
  readonly #attempts = new Map<string, number>();

  /**
   * Counts one attempt for `uuid` when fewer than `succeedAfter` have failed so far; returns
   * whether this attempt must fail. Check and increment happen together (upstream holds a
   * mutex; here the event loop serialises them).
   */
  failNext(uuid: string, succeedAfter: number): boolean {
    const seen = this.#attempts.get(uuid) ?? 0;
    if (seen >= succeedAfter) return false;
    this.#attempts.set(uuid, seen + 1);
    return true;
  }

  /** Attempts counted so far for `uuid`. */
  attempts(uuid: string): number {
    return this.#attempts.get(uuid) ?? 0;
  }
}

/** Go's `strconv.Atoi` accepted forms: optional sign and decimal digits, within 64 bits. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The retry simulator at `/retry/...`: with query `uuid` and `succeedAfter` (required),
 * `responseCode` and `delayRetry` (optional). While fewer than `succeedAfter` attempts for the
 * uuid have failed, the attempt fails — after `delayRetry` — with `responseCode` and an empty body,
 * or, without `responseCode`, by resetting the TCP connection. Later attempts are echoed.
 */
export async function retryHandler(
  req: EchoHttpRequest,
  ctx: HttpHandlerContext,
  counters: RetryCounters,
): Promise<HttpAction> {
  const query = parseQuery(rawQueryOf(req.requestUri));
  const first = (k: string): string | undefined => query.get(k)?.[0]?.toString('latin1');
  const uuid = first('uuid');
  if (!uuid) return goHttpError('uuid is required', 400);
  const succeedAfterText = first('succeedAfter');
  if (!succeedAfterText) return goHttpError('succeedAfter is required', 400);
  const succeedAfter = atoi(succeedAfterText);
  if (succeedAfter === undefined) return goHttpError(`invalid succeedAfter: ${succeedAfterText}`, 400);
  const responseCodeText = first('responseCode');
  let responseCode: number | undefined;
  if (responseCodeText) {
    responseCode = atoi(responseCodeText);
    if (responseCode === undefined || responseCode < 100 || responseCode > 999) {
      return goHttpError(`invalid responseCode: ${responseCodeText}`, 400);
    }
  }
  let delayNs = 0n;
  const delayText = query.get('delayRetry')?.[0];
  if (delayText !== undefined && delayText.length > 0) {
    try {
      delayNs = parseDuration(delayText);
    } catch (err) {
      if (err instanceof GoDurationError) return goHttpError(`invalid delayRetry: ${err.message}`, 400);
      throw err;
    }
  }
  if (counters.failNext(uuid, succeedAfter)) {
    if (!(await sleepNs(delayNs, ctx.signal))) return { kind: 'abort' };
    return responseCode === undefined ? { kind: 'reset' } : reply(responseCode);
  }
  return echoHandler(req, ctx);
}
