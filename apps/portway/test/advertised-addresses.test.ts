/**
 * An agent behind a load balancer advertises the Service's addresses (`--advertise-service`): read
 * from the API-server double with the real client, re-read as the load balancer gets and changes
 * its address, the last list kept while the API server is unreachable; heartbeats carry them and
 * the Gateway status types them (IPAddress / Hostname).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, InProcessDataPlane } from '@portway/agent';
import { InProcessBus, type Heartbeat } from '@portway/bus';
import { readAgentAddresses } from '@portway/provider-k8s';
import { addressType } from '@portway/status';
import { startApiServer, type ApiServer } from '@portway/testing';
import { parseAdvertiseList, watchAdvertisedAddresses } from '../src/advertised-addresses.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const LABELS = { 'app.kubernetes.io/name': 'portway-agent' };

async function until<T>(what: string, fn: () => T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server: ApiServer;
let kubeConfig: KubeConfig;
beforeAll(async () => {
  server = await startApiServer({ namespaces: ['portway-system'] });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
});
afterAll(async () => {
  await server?.close();
});

describe('advertised addresses', () => {
  it('follow the agents’ load-balancer Service into heartbeats; the last list stays while the API server fails', async () => {
    const svc = server.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'agents', namespace: 'portway-system', labels: LABELS }, spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] } });
    const bus = new InProcessBus();
    const heartbeats: Heartbeat[] = [];
    bus.onHeartbeat((hb) => void heartbeats.push(hb));
    const agent = new Agent({ name: 'a1', cluster: 'east', bus, dataPlane: new InProcessDataPlane({ defaultAddress: '127.0.0.1' }), log: quiet, heartbeatMs: 60_000, addresses: ['127.0.0.1'] });
    agent.start();
    let reads = 0;
    let failWith: Error | undefined;
    const errors: unknown[] = [];
    const stop = watchAdvertisedAddresses({
      read: async () => {
        reads++;
        if (failWith) throw failWith;
        return (await readAgentAddresses({ kubeConfig, namespace: 'portway-system', labelSelector: 'app.kubernetes.io/name=portway-agent' })).map((a) => a.value);
      },
      intervalMs: 50,
      onChange: (addresses) => agent.setAddresses(addresses.length > 0 ? addresses : ['127.0.0.1']),
      onError: (e) => errors.push(e),
    });
    try {
      // No load-balancer address yet: the bind address is reported.
      await until('a few reads', () => (reads >= 3 ? true : undefined));
      expect(agent.addresses()).toEqual(['127.0.0.1']);

      // The load balancer gets its address (and a host name): sent in a heartbeat at once.
      server.update({ ...svc, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'gw.example.net' }] } } }, 'status');
      const hb = await until('a heartbeat with the load balancer', () => heartbeats.find((h) => h.addresses?.includes('203.0.113.10')));
      expect(hb.addresses).toEqual(['203.0.113.10', 'gw.example.net']);
      expect(hb.addresses!.map(addressType)).toEqual(['IPAddress', 'Hostname']);

      // The API server fails: reported once, the last list stays.
      failWith = new Error('connection refused');
      const before = reads;
      await until('failing reads', () => (reads >= before + 3 ? true : undefined));
      expect(errors).toHaveLength(1);
      expect(agent.addresses()).toEqual(['203.0.113.10', 'gw.example.net']);

      // Back, and the address changed.
      failWith = undefined;
      const current = server.get('v1', 'Service', 'portway-system', 'agents')!;
      server.update({ ...current, status: { loadBalancer: { ingress: [{ ip: '203.0.113.11' }] } } }, 'status');
      await until('the new address', () => (agent.addresses()[0] === '203.0.113.11' ? true : undefined));
      expect(heartbeats.at(-1)!.addresses).toEqual(['203.0.113.11']);
    } finally {
      stop();
      await agent.stop();
    }
  });

  it('--advertise takes a comma-separated list and refuses an empty one', () => {
    expect(parseAdvertiseList(' 203.0.113.7, gw.example.net,203.0.113.7 ')).toEqual(['203.0.113.7', 'gw.example.net']);
    expect(() => parseAdvertiseList(' , ')).toThrow(/--advertise/);
    expect(['10.0.0.1', 'fd00::1', 'gw.example.net', '1.2.3'].map(addressType)).toEqual(['IPAddress', 'IPAddress', 'Hostname', 'Hostname']);
  });
});
