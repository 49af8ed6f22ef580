/**
 * The harness pieces that run fast, with real parts: wrk's report parser on reports wrk
 * printed here, the route generator through the real admission + graph + translate pipeline
 * (its IR must pass validateGatewayConfig and route each probe to its own route), the
 * constant-rate loop against real servers on loopback, /proc readings and the table printer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '@portway/ir';
import { compileRouter, HostTable } from '@portway/proxy';
import { runConstantRate } from '../src/lib/constant-rate.js';
import { encodeGet, frameResponse } from '../src/lib/raw-http-client.js';
import { processTree, treeUsage } from '../src/lib/resources.js';
import { probeFor, writeConfigFolder, writeRouteEdit } from '../src/lib/route-config.js';
import { percentile, ratio } from '../src/lib/stats.js';
import { renderTable } from '../src/lib/table.js';
import { translateFolder } from '../src/lib/translate-config.js';
import { parseDurationMs, parseWrkOutput } from '../src/lib/wrk.js';

/** Reports printed by wrk 4.1 on this machine (against the nginx backend, and against a 404). */
const WRK_OK = `Running 1s test @ http://127.0.90.1:8080/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   150.36us  225.70us   4.28ms   97.45%
    Req/Sec    60.96k    12.01k   82.79k    72.73%
  Latency Distribution
     50%  120.00us
     75%  155.00us
     90%  216.00us
     99%  660.00us
  66694 requests in 1.10s, 9.54MB read
Requests/sec:  60638.63
Transfer/sec:      8.67MB
`;
const WRK_ERRORS = `Running 2s test @ http://127.0.91.1:8000/r50/api/items?page=1
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.17ms    5.47ms   1.20s    94.38%
    Req/Sec     6.71k     1.86k    9.16k    60.00%
  Latency Distribution
     50%    3.81ms
     75%    5.95ms
     90%    8.61ms
     99%   38.09ms
  13734 requests in 2.07s, 4.05MB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 13734
Requests/sec:   6639.61
Transfer/sec:      1.96MB
`;

describe('wrk report parser', () => {
  it('reads rate, counts and the latency distribution in any unit', () => {
    const r = parseWrkOutput(WRK_OK);
    expect(r.requestsPerSec).toBeCloseTo(60638.63);
    expect(r.requests).toBe(66694);
    expect(r.durationSec).toBeCloseTo(1.1);
    expect(r.p50Ms).toBeCloseTo(0.12);
    expect(r.p99Ms).toBeCloseTo(0.66);
    expect(r.latencyMaxMs).toBeCloseTo(4.28);
    expect(r.non2xx).toBe(0);
    expect(r.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
  });

  it('reads non-2xx answers and socket errors', () => {
    const r = parseWrkOutput(WRK_ERRORS);
    expect(r.non2xx).toBe(13734);
    expect(r.socketErrors).toEqual({ connect: 0, read: 3, write: 0, timeout: 7 });
    expect(r.latencyMaxMs).toBe(1200);
    expect(r.p99Ms).toBeCloseTo(38.09);
  });

  it('says what is missing rather than returning zeros', () => {
    expect(() => parseWrkOutput(WRK_OK.replace(/ {2}Latency Distribution[\s\S]*?99%.*\n/, ''))).toThrow(/50% latency/);
    expect(() => parseWrkOutput('wrk: connection refused')).toThrow(/latency line/);
    expect(parseDurationMs('2.5s')).toBe(2500);
    expect(parseDurationMs('1.00m')).toBe(60_000);
    expect(() => parseDurationMs('12parsecs')).toThrow(/unrecognized/);
  });
});

describe('route config generator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-config-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const options = { routes: 120, port: 18080, backend: { address: '127.0.90.1', port: 8080 } };

  it('produces objects Portway admits, and an IR that validates and routes every probe to its route', async () => {
    writeConfigFolder(dir, options);
    const t = await translateFolder(dir, ['127.0.92.1']);
    expect(t.errors).toEqual([]);
    expect(t.configs).toHaveLength(1);
    const config = t.configs[0]!;
    expect(validateGatewayConfig(config)).toEqual([]);
    expect(config.addresses).toEqual(['127.0.92.1']);
    const listener = config.ports[0]!.listeners[0]!;
    if (listener.protocol !== 'HTTP') throw new Error(`unexpected listener ${listener.protocol}`);
    // Ten routes per hostname; two rules per route.
    expect(listener.virtualHosts).toHaveLength(12);
    expect(listener.virtualHosts.reduce((n, vh) => n + vh.rules.length, 0)).toBe(240);
    const rule = listener.virtualHosts[0]!.rules[0]!;
    expect(rule.backends.map((b) => b.weight)).toEqual([90, 10]);
    expect(rule.filters[0]!.type).toBe('RequestHeaderModifier');

    const hosts = new HostTable<ReturnType<typeof compileRouter<{ id: string }>>>();
    for (const vh of listener.virtualHosts) hosts.add(vh.hostname, compileRouter(vh.matches, vh.rules));
    for (const i of [0, 57, 119]) {
      const p = probeFor(i);
      const [path, query] = p.path.split('?');
      const m = hosts.lookup(p.host)!.match('GET', path!, query ?? null, { rawHeaders: ['X-Env', 'prod'] });
      expect(m?.rule.id).toBe(`HTTPRoute/bench/route-${i}/0`);
      // Without the header the first match does not apply.
      expect(hosts.lookup(p.host)!.match('GET', path!, query ?? null, { rawHeaders: [] })).toBeNull();
    }
  });

  it('an edit moves one route to its new path and leaves the others alone', async () => {
    writeRouteEdit(dir, options, 57, 3);
    const t = await translateFolder(dir, ['127.0.92.1']);
    const listener = t.configs[0]!.ports[0]!.listeners[0]!;
    if (listener.protocol !== 'HTTP') throw new Error('unexpected listener');
    const paths = listener.virtualHosts.flatMap((vh) => vh.matches.map((m) => m.path.value));
    expect(paths).toContain('/r57/api-v3');
    expect(paths).not.toContain('/r57/api');
    expect(paths).toContain('/r56/api');
  });
});

describe('load client framing', () => {
  it('frames responses by Content-Length and chunked encoding, and waits for incomplete ones', () => {
    const two = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\nHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nConnection: close\r\n\r\n');
    const first = frameResponse(two)!;
    expect(first).toEqual({ end: 41, status: 200, close: false });
    expect(frameResponse(two.subarray(first.end))).toEqual({ end: 64, status: 404, close: true });
    expect(frameResponse(two.subarray(0, 40))).toBeNull();
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(frameResponse(chunked)?.end).toBe(chunked.length);
    expect(frameResponse(chunked.subarray(0, chunked.length - 2))).toBeNull();
    expect(frameResponse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))?.status).toBe(204);
  });

  it('encodes one Host header, the given one when there is one', () => {
    const req = encodeGet(new URL('http://127.0.0.1:8080'), '/a?b=1', { host: 'x.test', 'x-env': 'prod' }).toString('latin1');
    expect(req).toBe('GET /a?b=1 HTTP/1.1\r\nHost: x.test\r\nx-env: prod\r\n\r\n');
    expect(encodeGet(new URL('http://127.0.0.1:8080'), '/', {}).toString('latin1')).toContain('Host: 127.0.0.1:8080\r\n');
  });
});

describe('constant-rate load loop', () => {
  let fast: Server;
  let slow: Server;
  beforeAll(async () => {
    fast = createServer((_req, res) => res.end('ok'));
    // 20 ms per answer, one at a time: 50 answers per second at most.
    let busyUntil = 0;
    slow = createServer((_req, res) => {
      const start = Math.max(Date.now(), busyUntil);
      busyUntil = start + 20;
      setTimeout(() => res.end('slow'), busyUntil - Date.now());
    });
    await new Promise<void>((r) => fast.listen(18931, '127.0.93.1', r));
    await new Promise<void>((r) => slow.listen(18932, '127.0.93.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => fast.close(r));
    await new Promise((r) => slow.close(r));
  });

  it('sends at the asked rate whatever the answers, and counts every answer', async () => {
    const r = await runConstantRate({ origin: 'http://127.0.93.1:18931', path: '/', rate: 300, durationMs: 1_000, connections: 4 });
    expect(r.sent).toBe(300);
    expect(r.completed).toBe(300);
    expect(r.errors).toBe(0);
    expect(r.non2xx).toBe(0);
    expect(r.achievedRate).toBeGreaterThan(200);
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p99Ms).toBeLessThan(500);
  });

  it('measures from the intended send time: a server slower than the rate shows its queue', async () => {
    // 100/s offered, 50/s served: by the end, requests wait about half a second.
    const r = await runConstantRate({ origin: 'http://127.0.93.1:18932', path: '/', rate: 100, durationMs: 1_000, connections: 1, drainMs: 3_000 });
    expect(r.sent).toBe(100);
    expect(r.completed + r.errors).toBe(100);
    expect(r.p99Ms).toBeGreaterThan(400);
    expect(r.p50Ms).toBeGreaterThan(100);
  });

  it('refuses a rate that is not positive', async () => {
    await expect(runConstantRate({ origin: 'http://127.0.93.1:18931', path: '/', rate: 0, durationMs: 100 })).rejects.toThrow(RangeError);
  });
});

describe('resources, stats and tables', () => {
  it('reads the RSS and CPU time of a process tree from /proc', () => {
    expect(processTree(process.pid)).toContain(process.pid);
    const u = treeUsage(process.pid);
    expect(u.processes).toBeGreaterThanOrEqual(1);
    expect(u.rssMiB).toBeGreaterThan(10);
    expect(u.cpuSec).toBeGreaterThan(0);
  });

  it('percentiles by nearest rank, ratios only of real numbers', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 2)).toBeNull();
  });

  it('renders aligned tables, numbers to the right', () => {
    const t = renderTable(['target', 'req/s'], [['portway', 12345], ['nginx', 9]]);
    expect(t.split('\n')).toEqual(['target    req/s', '-------  ------', 'portway  12,345', 'nginx         9']);
  });
});

describe('Kubernetes object writer against the API-server double', () => {
  it('creates, replaces and deletes the generated objects through the HTTP API', async () => {
    const { startApiServer } = await import('@portway/testing');
    const { KubeObjects } = await import('../src/lib/kube-objects.js');
    const { baseObjects, httpRoute } = await import('../src/lib/route-config.js');
    const api = await startApiServer({ host: '127.0.0.1' });
    try {
      const cfg = { routes: 3, port: 18080, backend: { address: '127.0.90.1', port: 8080 }, servicePerRoute: true };
      const kube = new KubeObjects(api.url);
      await kube.put([...baseObjects(cfg), httpRoute(1, cfg)]);
      await kube.put([httpRoute(1, cfg, 2)]);
      const url = `${api.url}${KubeObjects.pathOf(httpRoute(1, cfg), true)}`;
      const route = (await (await fetch(url)).json()) as { spec: { rules: { matches: { path: { value: string } }[] }[] } };
      expect(route.spec.rules[0]!.matches[0]!.path.value).toBe('/r1/api-v2');
      const services = (await (await fetch(`${api.url}/api/v1/namespaces/bench/services`)).json()) as { items: unknown[] };
      expect(services.items).toHaveLength(3);
      await kube.remove([httpRoute(1, cfg)]);
      expect((await fetch(url)).status).toBe(404);
    } finally {
      await api.close();
    }
  });
});
