/**
 * The multi-cluster data plane end to end: a real agent (in-process bus, the proxy in its
 * process, active health checks in the agent) serving cluster "east", echo backends on loopback
 * in two "clusters" (east: 127.0.71.x, west: 127.0.72.x, flat network), real HTTP requests.
 *
 * - explicit per-cluster weights split requests within ±5 % over 2,000 requests;
 * - GEP-1748's 90/10 Service/ServiceImport mix;
 * - PreferClose fails over to west when every east backend dies, with no failed request (the
 *   route allows retries), and fails back once they return.
 */
import http from 'node:http';
import net from 'node:net';
import { InProcessBus } from '@portway/bus';
import { IR_API_VERSION, type Backend, type GatewayConfig, type HttpRule } from '@portway/ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, InProcessDataPlane, type EndpointHealth, type Log } from '../src/index.js';

const GW = '127.0.70.1';
const EAST = ['127.0.71.1', '127.0.71.2'];
const WEST = ['127.0.72.1', '127.0.72.2'];
const LOCAL_SVC = '127.0.73.1';

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** An echo backend that answers with its name; `stop` refuses connections, `start` serves again on the same port. */
class Echo {
  private server: http.Server | null = null;
  port = 0;
  constructor(
    readonly name: string,
    readonly address: string,
  ) {}
  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      req.resume();
      res.setHeader('content-type', 'text/plain');
      res.end(this.name);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.address, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

async function freePort(address: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, address, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const endpointsOf = (echoes: Echo[], cluster?: string): Backend['endpoints'] =>
  echoes.map((e) => ({ address: e.address, port: e.port, ready: true, ...(cluster !== undefined ? { cluster } : {}) }));

let ruleSeq = 0;
function rule(path: string, backends: HttpRule['backends'], extra: Partial<HttpRule> = {}): { path: string; rule: HttpRule } {
  const n = ruleSeq++;
  return {
    path,
    rule: { id: `HTTPRoute/test/r${n}/0`, route: { kind: 'HTTPRoute', namespace: 'test', name: `r${n}`, rule: 0 }, filters: [], backends, ...extra },
  };
}

function config(port: number, rules: { path: string; rule: HttpRule }[], backends: Backend[]): GatewayConfig {
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'test', name: 'mc', generation: 1 },
    cluster: 'east',
    addresses: [GW],
    ports: [
      {
        port,
        listeners: [
          {
            name: 'test/mc/http',
            protocol: 'HTTP',
            virtualHosts: [{ hostname: '*', rules: rules.map((r) => r.rule), matches: rules.map((r, i) => ({ rule: i, path: { type: 'PathPrefix', value: r.path } })) }],
          },
        ],
      },
    ],
    backends: Object.fromEntries(backends.map((b) => [b.id, b])),
  } as GatewayConfig;
}

describe('multi-cluster data plane (agent in cluster east, backends in east and west)', () => {
  const east = EAST.map((a, i) => new Echo(`east-${i}`, a));
  const west = WEST.map((a, i) => new Echo(`west-${i}`, a));
  const local = new Echo('local-svc', LOCAL_SVC);
  const bus = new InProcessBus();
  const dataPlane = new InProcessDataPlane({ drainTimeoutMs: 200 });
  const agent = new Agent({ name: 'east-1', cluster: 'east', bus, dataPlane, log: quiet });
  const localHealth: EndpointHealth[] = [];
  let port = 0;
  const agentHttp = new http.Agent({ keepAlive: true, maxSockets: 32 });

  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve) => {
      const req = http.get({ host: GW, port, path, agent: agentHttp }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      });
      req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
      req.on('error', () => resolve({ status: 0, body: '' }));
    });

  /** `n` requests, `concurrency` at a time; counts answers by body (non-200 as "status <n>"). */
  async function drive(path: string, n: number, concurrency = 16): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          const r = await get(path);
          const k = r.status === 200 ? r.body : `status ${r.status}`;
          counts[k] = (counts[k] ?? 0) + 1;
        }
      }),
    );
    return counts;
  }
  const sum = (c: Record<string, number>, prefix: string) => Object.entries(c).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);

  beforeAll(async () => {
    await Promise.all([...east, ...west, local].map((e) => e.start()));
    port = await freePort(GW);
    const importEps = [...endpointsOf(east, 'east'), ...endpointsOf(west, 'west')];
    const active = { type: 'HTTP' as const, path: '/healthz', intervalMs: 50, timeoutMs: 1_000, healthyThreshold: 1, unhealthyThreshold: 2 };
    const passive = { consecutiveErrors: 1, baseEjectionMs: 1_000, maxEjectionPercent: 100 };
    const backends: Backend[] = [
      { id: 'ServiceImport/test/weighted:80', protocol: 'HTTP1', endpoints: importEps, clusterPolicy: { mode: 'Weighted', weights: { east: 70, west: 30 } } },
      { id: 'ServiceImport/test/spread:80', protocol: 'HTTP1', endpoints: importEps },
      { id: 'Service/test/local:80', protocol: 'HTTP1', endpoints: endpointsOf([local]) },
      { id: 'ServiceImport/test/close:80', protocol: 'HTTP1', endpoints: importEps, clusterPolicy: { mode: 'PreferClose' }, healthCheck: { active, passive } },
    ];
    const rules = [
      rule('/weighted', [{ backend: 'ServiceImport/test/weighted:80', weight: 1 }]),
      // GEP-1748: 90 % to the cluster-local Service, 10 % to the ServiceImport (the whole ClusterSet).
      rule('/mixed', [
        { backend: 'Service/test/local:80', weight: 90 },
        { backend: 'ServiceImport/test/spread:80', weight: 10 },
      ]),
      rule('/close', [{ backend: 'ServiceImport/test/close:80', weight: 1 }], {
        retry: { codes: [502, 503, 504], attempts: 2, backoffMs: 0 },
        timeouts: { backendRequestMs: 1_000 },
      }),
    ];
    agent.onLocalHealth((h) => localHealth.push(h));
    await bus.putConfig({ cluster: 'east', namespace: 'test', name: 'mc' }, config(port, rules, backends));
    agent.start();
    await agent.ready();
    const served = agent.serving().get('test/mc');
    expect(served?.ok).toBe(true);
  });

  afterAll(async () => {
    agentHttp.destroy();
    await agent.stop();
    await bus.close();
    await Promise.all([...east, ...west, local].map((e) => e.stop()));
  });

  it('splits requests by the explicit cluster weights within ±5 % over 2,000 requests', async () => {
    const counts = await drive('/weighted', 2_000);
    expect(sum(counts, 'status')).toBe(0);
    const eastShare = sum(counts, 'east') / 2_000;
    expect(Math.abs(eastShare - 0.7)).toBeLessThan(0.05);
    expect(Math.abs(sum(counts, 'west') / 2_000 - 0.3)).toBeLessThan(0.05);
  });

  it("mixes a Service and a ServiceImport under the route's weights (GEP-1748 90/10)", async () => {
    const counts = await drive('/mixed', 2_000);
    expect(sum(counts, 'status')).toBe(0);
    expect(Math.abs(sum(counts, 'local-svc') / 2_000 - 0.9)).toBeLessThan(0.05);
    // the ClusterSet's 10 % spreads over both clusters
    expect(sum(counts, 'east')).toBeGreaterThan(0);
    expect(sum(counts, 'west')).toBeGreaterThan(0);
  });

  it('PreferClose stays in east, fails over to west when east dies (no failed request), and fails back', async () => {
    const before = await drive('/close', 200);
    expect(sum(before, 'east')).toBe(200);

    // Steady traffic while east dies and comes back.
    let stop = false;
    const log: { t: number; who: string }[] = [];
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 100_000 && !stop; i++) {
          const r = await get('/close');
          log.push({ t: Date.now(), who: r.status === 200 ? r.body : `status ${r.status}` });
        }
      }),
    );
    const waitFor = async (what: string, cond: () => boolean, ms = 5_000) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor('traffic', () => log.length > 50);
    const killedAt = Date.now();
    await Promise.all(east.map((e) => e.stop()));
    await waitFor('east reported unhealthy', () => localHealth.filter((h) => !h.healthy).length >= 2);
    const failover = log.length;
    await waitFor('traffic on west', () => log.slice(failover).filter((x) => x.who.startsWith('west')).length > 100);
    const afterFailover = log.filter((x) => x.t > killedAt + 500);
    expect(afterFailover.every((x) => x.who.startsWith('west'))).toBe(true);

    await Promise.all(east.map((e) => e.start()));
    await waitFor('east healthy again', () => localHealth.filter((h) => h.healthy).length >= 2);
    const back = log.length;
    await waitFor('traffic back on east', () => log.slice(back).filter((x) => x.who.startsWith('east')).length > 100);
    stop = true;
    await load;

    const failed = log.filter((x) => x.who.startsWith('status'));
    expect(failed).toEqual([]);
    expect(localHealth.map((h) => [h.cluster, h.healthy])).toEqual([
      ['east', false],
      ['east', false],
      ['east', true],
      ['east', true],
    ]);
    // west endpoints are checked too, but only east's health is local
    expect(agent.endpointHealth().map((h) => h.cluster).sort()).toEqual(['east', 'east', 'west', 'west']);
    expect(agent.endpointHealth(true).every((h) => h.cluster === 'east' && h.healthy)).toBe(true);
  });
});
