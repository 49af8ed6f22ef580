/**
 * Router match time per request, in process: the proxy's own pieces (`hostWithoutPort`,
 * `HostTable`, `normalizePath`, `compileRouter`) built from a real IR, then timed one request
 * at a time with the high-resolution clock (its own cost, measured first, is subtracted).
 */
import { performance } from 'node:perf_hooks';
import type { GatewayConfig, HttpRule } from '@portway/ir';
import { compileRouter, HostTable, hostWithoutPort, normalizePath, type Router } from '@portway/proxy';
import { percentile } from './stats.js';

export interface RouterTiming {
  virtualHosts: number;
  matches: number;
  compileMs: number;
  samples: number;
  p50Ns: number;
  p99Ns: number;
  meanNs: number;
  /** Requests that found their route (must be all of them). */
  matched: number;
}

interface TimedRequest {
  host: string;
  rawPath: string;
  query: string | null;
  carrier: { rawHeaders: string[] };
  expect: string;
}

/** Deterministic pseudo-random sequence (a benchmark must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function timeRouter(
  config: GatewayConfig,
  routes: number,
  probe: (i: number) => { host: string; path: string; headers: Record<string, string> },
  samples: number,
): RouterTiming {
  const listener = config.ports[0]?.listeners[0];
  if (listener === undefined || listener.protocol !== 'HTTP') throw new Error('expected an HTTP listener');
  const t0 = performance.now();
  const hosts = new HostTable<Router<HttpRule>>();
  let matches = 0;
  for (const vh of listener.virtualHosts) {
    hosts.add(vh.hostname, compileRouter(vh.matches, vh.rules));
    matches += vh.matches.length;
  }
  const compileMs = performance.now() - t0;

  const rnd = lcg(7);
  const requests: TimedRequest[] = [];
  for (let i = 0; i < 4096; i++) {
    const route = Math.floor(rnd() * routes);
    const p = probe(route);
    const q = p.path.indexOf('?');
    const rawHeaders = ['Host', p.host, 'User-Agent', 'bench', 'Accept', '*/*'];
    for (const [k, v] of Object.entries(p.headers)) rawHeaders.push(k, v);
    requests.push({ host: p.host, rawPath: q < 0 ? p.path : p.path.slice(0, q), query: q < 0 ? null : p.path.slice(q + 1), carrier: { rawHeaders }, expect: `/route-${route}/` });
  }

  // The clock's own cost.
  const overhead: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const a = process.hrtime.bigint();
    overhead.push(Number(process.hrtime.bigint() - a));
  }
  const clock = percentile(overhead, 50);

  const times = new Float64Array(samples);
  let matched = 0;
  // Warm-up, so the JIT has compiled the path before timing.
  for (let i = 0; i < 50_000; i++) routeOne(hosts, requests[i & 4095]!);
  for (let i = 0; i < samples; i++) {
    const r = requests[i & 4095]!;
    const a = process.hrtime.bigint();
    const m = routeOne(hosts, r);
    const b = process.hrtime.bigint();
    times[i] = Math.max(0, Number(b - a) - clock);
    if (m !== null && m.includes(r.expect)) matched++;
  }
  const sorted = Array.from(times).sort((x, y) => x - y);
  let sum = 0;
  for (const t of sorted) sum += t;
  return {
    virtualHosts: listener.virtualHosts.length,
    matches,
    compileMs,
    samples,
    p50Ns: sorted[Math.floor(samples * 0.5)]!,
    p99Ns: sorted[Math.min(samples - 1, Math.floor(samples * 0.99))]!,
    meanNs: sum / samples,
    matched,
  };
}

function routeOne(hosts: HostTable<Router<HttpRule>>, r: TimedRequest): string | null {
  const router = hosts.lookup(hostWithoutPort(r.host));
  if (router === undefined) return null;
  const path = normalizePath(r.rawPath);
  if (path === null) return null;
  return router.match('GET', path, r.query, r.carrier)?.rule.id ?? null;
}
