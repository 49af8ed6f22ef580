import { describe, expect, it } from 'vitest';
import { InProcessBus, type EndpointReport } from '@portway/bus';
import { buildEndpointReports } from './endpoint-reports.js';
import { EndpointExporter } from './endpoint-exporter.js';
import type { ExportObject, ExportReader } from './export-reader.js';

const svc = (name: string, extra: object = {}): ExportObject => ({
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 3000 }], ...extra },
} as ExportObject);
const slice = (svcName: string, endpoints: { addresses: string[]; conditions?: { ready?: boolean; terminating?: boolean } }[]): ExportObject =>
  ({ kind: 'EndpointSlice', metadata: { name: `${svcName}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } }, ports: [{ name: 'http', port: 3001, protocol: 'TCP' }], endpoints }) as ExportObject;
const exp = (name: string, at = '2026-01-01T00:00:00Z'): ExportObject => ({ kind: 'ServiceExport', metadata: { name, namespace: 'default', creationTimestamp: at } });

describe('buildEndpointReports', () => {
  it('reports each exported Service with its ports (target port from the slices), type, endpoints and readiness', () => {
    const { reports, problems } = buildEndpointReports('east', [
      svc('echo'),
      slice('echo', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], conditions: { ready: false } }, { addresses: ['10.0.0.3'], conditions: { terminating: true } }]),
      exp('echo'),
      svc('hidden'),
      svc('headless', { clusterIP: 'None' }),
      exp('headless'),
      exp('ghost'),
    ]);
    expect(reports.get('default/echo')).toEqual({
      cluster: 'east',
      namespace: 'default',
      service: 'echo',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 3001 }],
      endpoints: [
        { address: '10.0.0.1', ready: false, healthy: false },
        { address: '10.0.0.2', ready: true, healthy: true },
      ],
      exportedAt: '2026-01-01T00:00:00Z',
      type: 'ClusterSetIP',
    });
    // Without slices the Service's numeric targetPort is used.
    expect(reports.get('default/headless')).toMatchObject({ type: 'Headless', ports: [{ targetPort: 3000 }], endpoints: [] });
    expect(reports.has('default/hidden')).toBe(false);
    expect(problems).toEqual([{ namespace: 'default', name: 'ghost', reason: 'ServiceNotFound', message: 'ServiceExport default/ghost: Service default/ghost does not exist' }]);
  });

  it("marks endpoints the agent's own health view sees failing as unhealthy", () => {
    const { reports } = buildEndpointReports('east', [svc('echo'), slice('echo', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]), exp('echo')], {
      healthy: (address, port) => (port === 3001 && address === '10.0.0.2' ? false : undefined),
    });
    expect(reports.get('default/echo')!.endpoints.map((e) => [e.address, e.healthy])).toEqual([
      ['10.0.0.1', true],
      ['10.0.0.2', false],
    ]);
  });
});

/** A reader whose state the test sets. */
class TestReader implements ExportReader {
  private onChange: ((s: { objects: readonly ExportObject[] }) => void) | undefined;
  constructor(private objects: ExportObject[]) {}
  async start(onChange: (s: { objects: readonly ExportObject[] }) => void) {
    this.onChange = onChange;
    onChange({ objects: this.objects });
  }
  set(objects: ExportObject[]) {
    this.objects = objects;
    this.onChange?.({ objects });
  }
  async stop() {}
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('EndpointExporter', () => {
  it('publishes on start and on change, refreshes `at`, and removes a report on unexport', async () => {
    const bus = new InProcessBus();
    const seen: (EndpointReport | null)[] = [];
    bus.watchEndpoints(({ report }) => seen.push(report));
    const reader = new TestReader([svc('echo'), slice('echo', [{ addresses: ['10.0.0.1'] }]), exp('echo')]);
    let clock = 1000;
    const exporter = new EndpointExporter({ cluster: 'east', reader, bus, log: quiet, refreshMs: 20, now: () => clock++ });
    await exporter.start();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ cluster: 'east', service: 'echo', at: 1000, endpoints: [{ address: '10.0.0.1' }] });
    reader.set([svc('echo'), slice('echo', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]), exp('echo')]);
    await exporter.flushed();
    expect(seen.at(-1)!.endpoints).toHaveLength(2);
    const before = seen.length;
    for (let i = 0; i < 40 && seen.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen.length).toBeGreaterThan(before);
    expect(seen.at(-1)!.at).toBeGreaterThan(seen[0]!.at);
    reader.set([svc('echo'), slice('echo', [{ addresses: ['10.0.0.1'] }])]);
    await exporter.flushed();
    expect(seen.at(-1)).toBeNull();
    await exporter.stop();
  });

  it("re-publishes at once when the agent's health view changes (resync)", async () => {
    const bus = new InProcessBus();
    const seen: (EndpointReport | null)[] = [];
    bus.watchEndpoints(({ report }) => seen.push(report));
    let failing = false;
    const exporter = new EndpointExporter({
      cluster: 'east',
      reader: new TestReader([svc('echo'), slice('echo', [{ addresses: ['10.0.0.1'] }]), exp('echo')]),
      bus,
      log: quiet,
      refreshMs: 60_000,
      health: { healthy: () => (failing ? false : undefined) },
    });
    await exporter.start();
    expect(seen.at(-1)!.endpoints[0]).toMatchObject({ ready: true, healthy: true });
    failing = true;
    exporter.resync();
    await exporter.flushed();
    expect(seen).toHaveLength(2);
    expect(seen.at(-1)!.endpoints[0]).toMatchObject({ ready: true, healthy: false });
    // Nothing changed: nothing is published.
    exporter.resync();
    await exporter.flushed();
    expect(seen).toHaveLength(2);
    await exporter.stop();
  });
});
