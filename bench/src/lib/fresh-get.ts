/**
 * GET over a new connection each time (node:http without an agent), so that with several
 * proxy workers successive requests reach different workers. Used to see when a change is
 * served everywhere.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Status of one GET on a fresh connection; 0 on a connection error. */
export function freshGet(origin: URL, path: string, headers: Readonly<Record<string, string>>, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: origin.hostname, port: origin.port, path, headers: { ...headers, connection: 'close' }, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface ServedResult {
  /** Time from `since` (performance.now() ms) to the first of the consecutive 200s. */
  ms: number;
  /** Statuses seen before (e.g. 404 while the old config served). */
  before: Record<number, number>;
}

/**
 * Polls until `consecutive` requests in a row answer 200 (one per worker at least, on fresh
 * connections); resolves with the time of the first of them, measured from `since`.
 */
export async function waitServed(
  origin: string,
  request: { path: string; headers: Record<string, string> },
  o: { since: number; consecutive: number; timeoutMs: number; everyMs?: number },
): Promise<ServedResult> {
  const url = new URL(origin);
  const before: Record<number, number> = {};
  let streak = 0;
  let firstOk = 0;
  const deadline = o.since + o.timeoutMs;
  while (performance.now() < deadline) {
    const status = await freshGet(url, request.path, request.headers);
    if (status === 200) {
      if (streak === 0) firstOk = performance.now();
      if (++streak >= o.consecutive) return { ms: firstOk - o.since, before };
      continue;
    }
    streak = 0;
    before[status] = (before[status] ?? 0) + 1;
    if (o.everyMs) await sleep(o.everyMs);
  }
  throw new Error(`not served within ${o.timeoutMs} ms (answers so far: ${JSON.stringify(before)})`);
}
