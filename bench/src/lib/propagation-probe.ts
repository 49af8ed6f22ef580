/**
 * The propagation probe: routes are added one at a time at a steady pace (the next write does
 * not wait for the previous route to be served), and each route is polled until it answers 200.
 * A route's figure is the time from its write to its first 200. Every answer before that must
 * be a 404 (the route does not exist yet); anything else (a 5xx, a connection error) counts as
 * an error, as does a route that answers something other than 200 once it was served.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type Dispatcher } from 'undici';

export interface ProbeTarget {
  origin: string;
  /** Writes route number `i` (a file, or an API call). */
  add(i: number): Promise<void>;
  /** The request route `i` answers. */
  request(i: number): { path: string; headers: Record<string, string> };
}

export interface PropagationResult {
  routes: number;
  /** Per route: write → first 200, ms. */
  latencies: number[];
  /** Answers other than 404-then-200. */
  errors: number;
  /** Routes never served within the time limit. */
  unserved: number;
  wallMs: number;
}

interface Pending {
  i: number;
  since: number;
}

export async function runPropagation(
  t: ProbeTarget,
  o: { routes: number; intervalMs: number; timeoutMs: number; pollers?: number; recheck?: boolean },
): Promise<PropagationResult> {
  const pool = new Pool(t.origin, { connections: o.pollers ?? 8, pipelining: 1 });
  const get = async (i: number): Promise<number> => {
    const r = t.request(i);
    try {
      const res = await pool.request({ method: 'GET', path: r.path, headers: r.headers } as Dispatcher.RequestOptions);
      await res.body.dump();
      return res.statusCode;
    } catch {
      return 0;
    }
  };
  const pending: Pending[] = [];
  const latencies: number[] = [];
  const served: number[] = [];
  let errors = 0;
  let written = 0;
  const start = performance.now();
  const deadline = start + o.timeoutMs;

  const writer = (async () => {
    for (let i = 0; i < o.routes && performance.now() < deadline; i++) {
      const due = start + i * o.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const since = performance.now();
      await t.add(i);
      pending.push({ i, since });
      written++;
    }
  })();

  const poller = async () => {
    while (performance.now() < deadline) {
      const p = pending.shift();
      if (p === undefined) {
        if (written >= o.routes) return;
        await sleep(1);
        continue;
      }
      const status = await get(p.i);
      if (status === 200) {
        latencies.push(performance.now() - p.since);
        served.push(p.i);
      } else {
        if (status !== 404) errors++;
        pending.push(p);
      }
    }
  };
  await Promise.all([writer, ...Array.from({ length: o.pollers ?? 8 }, poller)]);
  // Once served, a route keeps answering 200.
  if (o.recheck !== false) {
    for (const i of served) if ((await get(i)) !== 200) errors++;
  }
  await pool.close();
  return { routes: written, latencies, errors, unserved: pending.length + (o.routes - written), wallMs: performance.now() - start };
}
