/** wrk (closed-loop saturation load): running it and reading its `--latency` report. */
import { run } from './processes.js';

/** What one wrk run measured. Latencies in milliseconds. */
export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  durationSec: number;
  latencyAvgMs: number;
  latencyMaxMs: number;
  /** From the `--latency` distribution (50, 75, 90, 99). */
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Responses with a status ≥ 400 ("Non-2xx or 3xx responses"). */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

const TIME_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** "1.23ms" → 1.23; "456.00us" → 0.456; "2.10s" → 2100. */
export function parseDurationMs(text: string): number {
  const m = /^([\d.]+)(ns|us|ms|s|m|h)$/.exec(text.trim());
  if (m === null) throw new Error(`unrecognized wrk duration "${text}"`);
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

/** Parses the report wrk prints with `--latency`. Throws with the text when a required line is missing. */
export function parseWrkOutput(text: string): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(text);
    if (m === null) throw new Error(`wrk output has no ${what}:\n${text}`);
    return m;
  };
  const latency = need(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m, 'latency line');
  const dist = (p: number) => parseDurationMs(need(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm'), `${p}% latency (was --latency given?)`)[1]!);
  const total = need(/^\s*(\d+) requests in ([\d.]+)(\w+),/m, 'request count');
  const rps = need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec');
  const non2xx = /^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(total[1]),
    durationSec: parseDurationMs(`${total[2]}${total[3]}`) / 1000,
    latencyAvgMs: parseDurationMs(latency[1]!),
    latencyMaxMs: parseDurationMs(latency[3]!),
    p50Ms: dist(50),
    p75Ms: dist(75),
    p90Ms: dist(90),
    p99Ms: dist(99),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

export interface WrkOptions {
  url: string;
  headers?: Readonly<Record<string, string>>;
  threads?: number;
  connections?: number;
  durationSec?: number;
  /** CPU list for taskset. */
  cpus?: string;
}

/** `wrk -t1 -c50 -d10s --latency` (by default) against `url`. */
export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [`-t${o.threads ?? 1}`, `-c${o.connections ?? 50}`, `-d${o.durationSec ?? 10}s`, '--latency'];
  // wrk adds its own Host header unless one is given with exactly this spelling.
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k.toLowerCase() === 'host' ? 'Host' : k}: ${v}`);
  args.push(o.url);
  const out = await run('wrk', args, { cpus: o.cpus, timeoutMs: ((o.durationSec ?? 10) + 30) * 1000 });
  return parseWrkOutput(out);
}
