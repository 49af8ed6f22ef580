import { describe, expect, it } from 'vitest';
import { InProcessBus, type EndpointReport } from '@portway/bus';
import type { ResourceSource, SourceState } from '@portway/provider-file';
import { buildClusterSetView } from './clusterset-view.js';
import { ClusterSetSource } from './clusterset-source.js';

const report = (cluster: string, exportedAt: string, extra: Partial<EndpointReport> = {}): EndpointReport => ({
  cluster,
  namespace: 'default',
  service: 'echo',
  at: 0,
  ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 3000 }],
  endpoints: [{ address: `10.0.${cluster === 'east' ? 1 : 2}.1`, ready: true, healthy: true }],
  exportedAt,
  ...extra,
});

describe('buildClusterSetView', () => {
  it('makes one MCS slice per cluster, derives the import from the oldest export, and lists the clusters', () => {
    const view = buildClusterSetView({
      reports: [
        { report: report('west', '2026-01-02T00:00:00Z'), receivedAt: 1000 },
        { report: report('east', '2026-01-01T00:00:00Z'), receivedAt: 1000 },
      ],
      imports: [],
      deriveServiceImports: true,
      now: 2000,
      staleAfterMs: 5000,
    });
    expect(view.slices.map((s) => [s.metadata.name, s.metadata.labels])).toEqual([
      ['echo-east', { 'multicluster.kubernetes.io/service-name': 'echo', 'multicluster.kubernetes.io/source-cluster': 'east', 'endpointslice.kubernetes.io/managed-by': 'portway.dev/clusterset' }],
      ['echo-west', { 'multicluster.kubernetes.io/service-name': 'echo', 'multicluster.kubernetes.io/source-cluster': 'west', 'endpointslice.kubernetes.io/managed-by': 'portway.dev/clusterset' }],
    ]);
    expect(view.slices[0]!.ports).toEqual([{ name: 'http', port: 3000, protocol: 'TCP' }]);
    expect(view.derivedImports).toHaveLength(1);
    expect(view.derivedImports[0]!.spec).toEqual({ type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    expect(view.importStatus.get('default/echo')).toMatchObject({ clusters: [{ cluster: 'east' }, { cluster: 'west' }], conditions: [{ type: 'Ready', status: 'True' }] });
    expect(view.exports.map((e) => e.conditions.find((c) => c.type === 'Conflict')!.reason)).toEqual(['NoConflicts', 'NoConflicts']);
  });

  it('lets the oldest export win a conflict and says so on every export; a type conflict leaves the newer export out', () => {
    const view = buildClusterSetView({
      reports: [
        { report: report('east', '2026-01-01T00:00:00Z'), receivedAt: 1000 },
        { report: report('west', '2026-01-02T00:00:00Z', { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], type: 'Headless' }), receivedAt: 1000 },
      ],
      imports: [],
      deriveServiceImports: true,
      now: 1000,
      staleAfterMs: 5000,
    });
    expect(view.derivedImports[0]!.spec!.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    for (const e of view.exports) {
      expect(e.conditions.find((c) => c.type === 'Conflict')).toMatchObject({ status: 'True', reason: 'PortConflict,TypeConflict' });
      expect(e.conditions.find((c) => c.type === 'Conflict')!.message).toContain('cluster east (exported 2026-01-01T00:00:00Z); clusters west disagree');
    }
    expect(view.exports.find((e) => e.cluster === 'west')!.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(view.slices.map((s) => s.metadata.name)).toEqual(['echo-east']);
    expect(view.importStatus.get('default/echo')!.clusters).toEqual([{ cluster: 'east' }]);
  });

  it('drops the endpoints of a stale report, and derives nothing without the option', () => {
    const view = buildClusterSetView({
      reports: [
        { report: report('east', '2026-01-01T00:00:00Z'), receivedAt: 0 },
        { report: report('west', '2026-01-02T00:00:00Z'), receivedAt: 9000 },
      ],
      imports: [{ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'echo', namespace: 'default' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }] } }, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'other', namespace: 'default' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80 }] } }],
      deriveServiceImports: false,
      now: 10_000,
      staleAfterMs: 5000,
    });
    expect(view.slices.map((s) => s.metadata.name)).toEqual(['echo-west']);
    expect(view.derivedImports).toEqual([]);
    expect(view.exports.find((e) => e.cluster === 'east')).toMatchObject({ stale: true, conditions: [{ type: 'Valid' }, { type: 'Ready', status: 'False', reason: 'Pending' }, { type: 'Conflict', status: 'False' }] });
    expect(view.importStatus.get('default/echo')!.clusters).toEqual([{ cluster: 'west' }]);
    expect(view.importStatus.get('default/other')).toMatchObject({ clusters: [], conditions: [{ type: 'Ready', status: 'False', reason: 'Pending' }] });
  });
});

/** A source whose objects never change. */
const fixedSource = (): ResourceSource => ({
  async start(onChange) {
    onChange({ objects: [], errors: [], version: 1 });
  },
  async stop() {},
});
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ClusterSetSource', () => {
  it('adds the slices of reports, hands over nothing for a refresh that changes nothing, drops a report gone stale while others arrive, and holds the view while the hub hears nothing', async () => {
    const bus = new InProcessBus();
    let now = 0;
    const states: SourceState[] = [];
    const source = new ClusterSetSource({ inner: fixedSource(), bus, log: quiet, deriveServiceImports: true, staleAfterMs: 400, now: () => now });
    await source.start((s) => states.push(s));
    expect(states).toHaveLength(1);
    await bus.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, report('east', '2026-01-01T00:00:00Z'));
    expect(states).toHaveLength(2);
    expect(states[1]!.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['EndpointSlice/echo-east', 'ServiceImport/echo']);
    await bus.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, { ...report('east', '2026-01-01T00:00:00Z'), at: 5 });
    expect(states).toHaveLength(2);
    expect(source.statusUpdates()).toMatchObject([{ kind: 'ServiceImport', name: 'echo', status: { clusters: [{ cluster: 'east' }] } }]);
    // West keeps reporting (well within half the limit), east falls silent: east goes stale.
    for (let t = 100; t <= 1000; t += 100) {
      now = t;
      await bus.putEndpoints({ cluster: 'west', namespace: 'default', service: 'echo' }, { ...report('west', '2026-01-02T00:00:00Z'), at: t });
    }
    for (let i = 0; i < 50 && !source.exports().find((e) => e.cluster === 'east')?.stale; i++) await new Promise((r) => setTimeout(r, 20));
    expect(source.exports().find((e) => e.cluster === 'east')).toMatchObject({ stale: true });
    expect(states.at(-1)!.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['EndpointSlice/echo-west', 'ServiceImport/echo']);
    expect(source.statusUpdates()[0]!.status).toMatchObject({ clusters: [{ cluster: 'west' }] });
    // A restarted agent reports a later export time: the earlier one is kept.
    await bus.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, { ...report('east', '2026-03-01T00:00:00Z'), at: 9 });
    expect(source.exports().find((e) => e.cluster === 'east')).toMatchObject({ stale: false, exportedAt: '2026-01-01T00:00:00Z' });
    // The hub hears nothing at all for a long time (its own link is down): nothing goes stale.
    now = 60_000;
    await new Promise((r) => setTimeout(r, 250));
    expect(source.exports().map((e) => e.stale)).toEqual([false, false]);
    await source.stop();
  });
});
