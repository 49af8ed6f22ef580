import { describe, expect, it } from 'vitest';
import { withBackendPolicy } from './backend-policies.js';
import type { ResolvedBackend } from './types.js';

const imp = (clusterPolicy?: ResolvedBackend['clusterPolicy']): ResolvedBackend => ({
  kind: 'ServiceImport',
  namespace: 'ns',
  name: 'store',
  port: 80,
  endpoints: [],
  ...(clusterPolicy ? { clusterPolicy } : {}),
});

describe('withBackendPolicy', () => {
  it('weights make a Weighted policy, whatever the ServiceImport asked', () => {
    expect(withBackendPolicy(imp({ mode: 'PreferClose' }), { policy: 'ns/p', weights: { east: 3, west: 1 }, failoverOrder: ['central'] }).clusterPolicy).toEqual({
      mode: 'Weighted',
      weights: { east: 3, west: 1 },
      failoverOrder: ['central'],
    });
  });
  it("the policy's trafficDistribution wins over the ServiceImport's; absent, the import's stays, with the failover order", () => {
    expect(withBackendPolicy(imp({ mode: 'PreferClose' }), { policy: 'ns/p', trafficDistribution: 'Spread' }).clusterPolicy).toBeUndefined();
    expect(withBackendPolicy(imp(), { policy: 'ns/p', trafficDistribution: 'PreferClose' }).clusterPolicy).toEqual({ mode: 'PreferClose' });
    expect(withBackendPolicy(imp({ mode: 'PreferClose' }), { policy: 'ns/p', failoverOrder: ['west'] }).clusterPolicy).toEqual({ mode: 'PreferClose', failoverOrder: ['west'] });
    // a failover order alone leaves Spread as it is
    expect(withBackendPolicy(imp(), { policy: 'ns/p', failoverOrder: ['west'] }).clusterPolicy).toBeUndefined();
  });
  it('a Service gets the health checks but never a cluster policy; no policy leaves the backend as it was', () => {
    const svc: ResolvedBackend = { ...imp(), kind: 'Service' };
    const hc = { passive: { consecutiveErrors: 2, baseEjectionMs: 1000, maxEjectionPercent: 50 } };
    expect(withBackendPolicy(svc, { policy: 'ns/p', weights: { a: 1 }, healthCheck: hc })).toEqual({ ...svc, backendPolicy: 'ns/p', healthCheck: hc });
    const b = imp({ mode: 'PreferClose' });
    expect(withBackendPolicy(b, undefined)).toBe(b);
  });
});
