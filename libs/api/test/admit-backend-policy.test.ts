/**
 * Portway's BackendPolicy (portway.dev/v1alpha1) admission, held to deploy/crds/portway.dev_backendpolicies.yaml:
 * defaults, enums, bounds and the CEL rules.
 */
import { describe, expect, it } from 'vitest';
import { admit, formatFieldError } from '../src/index.js';

const base = () => ({
  apiVersion: 'portway.dev/v1alpha1',
  kind: 'BackendPolicy',
  metadata: { name: 'echo', namespace: 'default' },
  spec: {
    targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'echo' }],
    trafficDistribution: 'PreferClose',
    failover: ['west', 'central'],
    healthCheck: { active: { type: 'HTTP' }, passive: {} },
  } as Record<string, unknown>,
});

function errorsOf(o: unknown): string[] {
  const r = admit(o);
  return r.ok ? [] : r.errors.map(formatFieldError);
}

describe('BackendPolicy admission', () => {
  it('admits a valid policy and applies the defaults', () => {
    const r = admit(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.object as { spec: unknown }).spec).toEqual({
      targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'echo' }],
      trafficDistribution: 'PreferClose',
      failover: ['west', 'central'],
      healthCheck: {
        active: { type: 'HTTP', interval: '5s', timeout: '1s', healthyThreshold: 2, unhealthyThreshold: 2 },
        passive: { consecutiveErrors: 5, baseEjectionTime: '30s', maxEjectionPercent: 50 },
      },
    });
  });

  it('admits explicit cluster weights, and an HTTP check path defaults to /', () => {
    const o = base();
    delete o.spec.trafficDistribution;
    o.spec.clusters = [{ name: 'east', weight: 80 }, { name: 'west', weight: 20 }];
    o.spec.healthCheck = { active: { type: 'HTTP', http: { expectedStatuses: [200, 204] } } };
    const r = admit(o);
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.object as { spec: { healthCheck: { active: { http: unknown } } } }).spec.healthCheck.active.http).toEqual({ path: '/', expectedStatuses: [200, 204] });
  });

  it('refuses weights together with trafficDistribution', () => {
    const o = base();
    o.spec.clusters = [{ name: 'east', weight: 1 }];
    expect(errorsOf(o)).toEqual(['spec: clusters and trafficDistribution cannot both be set']);
  });

  it('refuses duplicate targets, duplicate clusters and duplicate failover entries', () => {
    const o = base();
    o.spec.targetRefs = [{ group: '', kind: 'Service', name: 'a' }, { group: '', kind: 'Service', name: 'a' }];
    expect(errorsOf(o)).toEqual(['spec.targetRefs: targetRefs must be unique']);
    const w = base();
    delete w.spec.trafficDistribution;
    w.spec.clusters = [{ name: 'east', weight: 1 }, { name: 'east', weight: 2 }];
    expect(errorsOf(w).join('\n')).toMatch(/spec\.clusters\[1\]: Duplicate value/);
    const f = base();
    f.spec.failover = ['west', 'west'];
    expect(errorsOf(f).join('\n')).toMatch(/spec\.failover\[1\]: Duplicate value/);
  });

  it('refuses bad values with the field named', () => {
    const o = base();
    o.spec.trafficDistribution = 'Nearest';
    o.spec.healthCheck = { active: { type: 'TCP', http: { path: '/h' }, interval: '5 seconds', unhealthyThreshold: 0 } };
    const errors = errorsOf(o).join('\n');
    expect(errors).toMatch(/spec\.trafficDistribution: Unsupported value: "Nearest"/);
    expect(errors).toMatch(/spec\.healthCheck\.active\.interval: Invalid value/);
    expect(errors).toMatch(/spec\.healthCheck\.active\.unhealthyThreshold: Invalid value: 0/);
    const t = base();
    t.spec.healthCheck = { active: { type: 'TCP', http: { path: '/h' } } };
    expect(errorsOf(t)).toEqual(['spec.healthCheck.active: http may only be set when type is HTTP']);
    const e = base();
    e.spec.targetRefs = [];
    expect(errorsOf(e)).toEqual(['spec.targetRefs: Invalid value: 0: should have at least 1 items']);
  });
});
