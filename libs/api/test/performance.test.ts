/**
 * Admission throughput: 10,000 distinct HTTPRoutes (unique names, namespaces, hostnames, paths,
 * headers and backends; two rules, a filter, weighted backends) must be admitted well under a second.
 * The first object of a kind pays a one-time schema compile, measured and reported separately.
 * CPU time of this process is measured (the machine may be shared); the best of three runs counts.
 */
import { describe, expect, it } from 'vitest';
import { admit } from '../src/admit.js';

const route = (seed: number, i: number) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: `route-${seed}-${i}`, namespace: `team-${i % 20}`, labels: { app: `app-${i}` } },
  spec: {
    parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: i % 2 ? 'http' : 'https' }],
    hostnames: [`h${i}.s${seed}.example.com`],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/api/v${seed}/${i}` }, headers: [{ name: 'x-tenant', value: `t${i}` }] }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-route', value: `r${i}` }] } }],
        backendRefs: [
          { name: `svc-${i}`, port: 80, weight: 90 },
          { name: `svc-${i}-canary`, port: 8080, weight: 10 },
        ],
      },
      { matches: [{ path: { type: 'Exact', value: `/health/${i}` }, method: 'GET' }], backendRefs: [{ name: `svc-${i}`, port: 80 }] },
    ],
  },
});

const cpuMs = (f: () => void) => {
  const start = process.cpuUsage();
  const t = performance.now();
  f();
  const c = process.cpuUsage(start);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - t };
};

describe('admission performance', () => {
  it('admits 10,000 distinct HTTPRoutes well under a second', () => {
    const first = cpuMs(() => expect(admit(route(99, 0)).ok).toBe(true));
    const runs: { cpu: number; wall: number }[] = [];
    for (let seed = 0; seed < 3; seed++) {
      const routes = Array.from({ length: 10_000 }, (_, i) => route(seed, i));
      let ok = 0;
      runs.push(cpuMs(() => {
        for (const r of routes) if (admit(r).ok) ok++;
      }));
      expect(ok).toBe(10_000);
    }
    const best = Math.min(...runs.map((r) => r.cpu));
    console.log(
      `first HTTPRoute (schema compile): ${first.cpu.toFixed(0)} ms CPU; 10,000 HTTPRoutes: ${runs
        .map((r) => `${r.cpu.toFixed(0)} ms CPU / ${r.wall.toFixed(0)} ms wall`)
        .join(', ')}`,
    );
    expect(best).toBeLessThan(1000);
  });
});
