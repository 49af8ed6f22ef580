/** The agents' addresses, read from their Services (load balancer, external IPs, node ports) in the API double. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '@portway/testing';
import type { KubeConfig } from '@kubernetes/client-node';
import { readAgentAddresses } from '../src/index.js';
import { startDouble } from './support.js';

let server: ApiServer;
let kubeConfig: KubeConfig;
const LABEL = { 'app.kubernetes.io/name': 'portway-agent' };

beforeAll(async () => {
  ({ server, kubeConfig } = await startDouble({ namespaces: ['default', 'portway-system'] }));
  const svc = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = LABEL) =>
    server.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'portway-system', labels }, spec: { ports: [{ name: 'http', port: 80 }], ...spec } });
  const lb = svc('agents-lb', { type: 'LoadBalancer' });
  server.update({ ...lb, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'agents.example.net' }] } } }, 'status');
  svc('agents-external', { externalIPs: ['198.51.100.7'] });
  svc('agents-nodeport', { type: 'NodePort' });
  svc('unrelated', { type: 'LoadBalancer' }, { app: 'other' });
  for (const [name, addresses] of [
    ['node-a', [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'ExternalIP', address: '192.0.2.1' }]],
    ['node-b', [{ type: 'InternalIP', address: '10.0.0.2' }]],
  ] as const) {
    const node = server.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    server.update({ ...node, status: { addresses } }, 'status');
  }
});
afterAll(async () => {
  await server?.close();
});

describe('readAgentAddresses', () => {
  it('reports load-balancer, external and node addresses of the selected Services, without duplicates', async () => {
    const addresses = await readAgentAddresses({ kubeConfig, namespace: 'portway-system', labelSelector: 'app.kubernetes.io/name=portway-agent' });
    expect(addresses.map((a) => `${a.type} ${a.value} ${a.source} ${a.service}`)).toEqual([
      // Services in the API server's (name) order.
      'IPAddress 198.51.100.7 externalIP portway-system/agents-external',
      'IPAddress 203.0.113.10 loadBalancer portway-system/agents-lb',
      'Hostname agents.example.net loadBalancer portway-system/agents-lb',
      // ExternalIP where a node has one, else its InternalIP.
      'IPAddress 192.0.2.1 node portway-system/agents-nodeport',
      'IPAddress 10.0.0.2 node portway-system/agents-nodeport',
    ]);
  });

  it('adds cluster IPs only when asked', async () => {
    const addresses = await readAgentAddresses({ kubeConfig, namespace: 'portway-system', labelSelector: 'app.kubernetes.io/name=portway-agent', includeClusterIPs: true });
    expect(addresses.filter((a) => a.source === 'clusterIP')).toHaveLength(3);
  });
});
