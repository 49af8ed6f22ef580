import { describe, expect, it } from 'vitest';
import { InProcessBus, type EndpointReport } from '@portway/bus';
import { EastWestAllowList } from './east-west-allow-list.js';
import { feedAllowListFromExports, reportEndpoints } from './east-west-export-feed.js';

const report = (service: string, addresses: string[], ports: EndpointReport['ports']): EndpointReport => ({
  cluster: 'west',
  namespace: 'default',
  service,
  at: 1,
  ports,
  endpoints: addresses.map((address) => ({ address, ready: true, healthy: true })),
  exportedAt: '2026-01-01T00:00:00Z',
});

describe('east-west allow-list fed by the endpoint exports', () => {
  it('allows each exported endpoint on the ports it listens on (targetPort, else the Service port)', () => {
    expect(reportEndpoints(report('s', ['10.0.0.1', '10.0.0.2'], [{ port: 80, protocol: 'TCP', targetPort: 8080 }, { port: 9000, protocol: 'TCP' }]))).toEqual([
      { address: '10.0.0.1', port: 8080 },
      { address: '10.0.0.1', port: 9000 },
      { address: '10.0.0.2', port: 8080 },
      { address: '10.0.0.2', port: 9000 },
    ]);
  });

  it('follows reports put and withdrawn, and still publishes them on the bus', async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.watchEndpoints(({ key, report: r }) => seen.push(`${key.service}:${r ? r.endpoints.length : 'gone'}`));
    const allowList = new EastWestAllowList();
    const fed = feedAllowListFromExports(bus, allowList);
    await fed.putEndpoints({ cluster: 'west', namespace: 'default', service: 'a' }, report('a', ['10.0.0.1'], [{ port: 80, protocol: 'TCP', targetPort: 3000 }]));
    await fed.putEndpoints({ cluster: 'west', namespace: 'default', service: 'b' }, report('b', ['10.0.0.2'], [{ port: 81, protocol: 'TCP' }]));
    expect(allowList.has('10.0.0.1', 3000) && allowList.has('10.0.0.2', 81)).toBe(true);
    expect(allowList.has('10.0.0.1', 80)).toBe(false);
    await fed.putEndpoints({ cluster: 'west', namespace: 'default', service: 'a' }, null);
    expect(allowList.has('10.0.0.1', 3000)).toBe(false);
    expect(allowList.has('10.0.0.2', 81)).toBe(true);
    // Watchers are told asynchronously.
    for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['a:1', 'b:1', 'a:gone']);
    // The other members are the bus's own.
    expect(await fed.listConfigs()).toEqual([]);
  });
});
