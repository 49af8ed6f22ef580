/**
 * The controller in hub mode, in one process with real parts: a real nats-server, the NATS bus,
 * a watched folder, and agents of two clusters serving on their own loopback addresses with the
 * in-process proxy. Placement, addresses from agents, agents going away, and a build retried
 * after the bus was away for longer than its request timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportedFeatures } from '@portway/api';
import { Agent, InProcessDataPlane } from '@portway/agent';
import { agentInboxPrefix, NatsBus } from '@portway/bus';
import { createFileSource } from '@portway/provider-file';
import { startNatsServer, waitFor, type NatsServer } from '@portway/testing';
import { Controller } from '../src/index.js';
import { decodeForTests } from './decode-for-tests.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const EAST = '127.0.73.1';
const WEST = '127.0.73.2';
const BACKEND = '127.0.73.10';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


const gateway = (name: string, port: number, clusters?: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: default
${clusters !== undefined ? `  annotations: {portway.dev/clusters: "${clusters}"}\n` : ''}spec:
  gatewayClassName: portway
  listeners: [{name: http, port: ${port}, protocol: HTTP}]
`;
const route = (name: string, gw: string, path: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: ${gw}}]
  rules: [{matches: [{path: {type: PathPrefix, value: ${path}}}], backendRefs: [{name: echo, port: 80}]}]
`;
const base = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portway}
spec: {controllerName: portway.dev/gateway-controller}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec: {ports: [{name: http, port: 80, targetPort: 3000}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: echo-1, namespace: default, labels: {kubernetes.io/service-name: echo}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [${BACKEND}]}]
---
${gateway('everywhere', 18300)}---
${gateway('west-only', 18301, 'west')}---
${gateway('misplaced', 18302, ' , ')}`;

async function get(address: string, port: number, path: string): Promise<number | string> {
  try {
    const res = await fetch(`http://${address}:${port}${path}`);
    await res.arrayBuffer();
    return res.status;
  } catch (e) {
    return ((e as Error).cause as { code?: string } | undefined)?.code ?? 'error';
  }
}

describe('controller in hub mode (real nats-server, two clusters)', () => {
  let server: NatsServer;
  let dir: string;
  let backend: Server;
  let controller: Controller;
  let controllerBus: NatsBus;
  const agents = new Map<string, { agent: Agent; bus: NatsBus }>();

  const startAgent = async (cluster: string, name: string, address: string) => {
    const bus = await NatsBus.connect({ servers: server.url, inboxPrefix: agentInboxPrefix(cluster), onError: () => undefined, reconnectBackoff: { minMs: 50, maxMs: 300 } });
    const agent = new Agent({ name, cluster, bus, dataPlane: new InProcessDataPlane({ defaultAddress: address, drainTimeoutMs: 200 }), log: silent, heartbeatMs: 100, addresses: [address] });
    agent.start();
    await agent.ready();
    agents.set(name, { agent, bus });
  };
  const gatewayStatus = (name: string) => controller.statusStore.statusOf('Gateway', 'default', name) as { addresses?: { value: string }[]; conditions: { type: string; status: string; reason: string; message: string }[] } | undefined;
  const programmed = (name: string) => gatewayStatus(name)?.conditions.find((c) => c.type === 'Programmed');

  beforeAll(async () => {
    server = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'portway-hub-controller-'));
    backend = createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
    await new Promise<void>((r) => backend.listen(3000, BACKEND, () => r()));
    writeFileSync(join(dir, 'base.yaml'), base);
    writeFileSync(join(dir, 'routes.yaml'), [route('a', 'everywhere', '/a'), route('w', 'west-only', '/w')].join('---\n'));
    controllerBus = await NatsBus.connect({ servers: server.url, manageBuckets: true, requestTimeoutMs: 500, onError: () => undefined, reconnectBackoff: { minMs: 50, maxMs: 300 } });
    controller = new Controller({
      source: createFileSource({ dir, decode: decodeForTests, debounceMs: 10 }),
      bus: controllerBus,
      log: silent,
      controllerName: 'portway.dev/gateway-controller',
      cluster: '',
      addressPool: [],
      agents: [],
      routeKinds: ['HTTPRoute'],
      supportedFeatures: supportedFeatures(),
      hub: { pins: controllerBus, configKeys: () => controllerBus.configKeys(), staleAfterMs: 400, goneAfterMs: 800, discoveryMs: 0 },
    });
    await controller.start();
    await startAgent('east', 'e1', EAST);
    await startAgent('west', 'w1', WEST);
  }, 30_000);

  afterAll(async () => {
    for (const { agent, bus } of agents.values()) {
      await agent.stop();
      await bus.close();
    }
    await controller?.stop();
    await controllerBus?.close();
    await new Promise((r) => backend?.close(r));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a Gateway without placement to every cluster, a placed one to its clusters only', async () => {
    await waitFor('everywhere served by both', async () => ((await get(EAST, 18300, '/a')) === 200 && (await get(WEST, 18300, '/a')) === 200 ? true : undefined));
    await waitFor('west-only served in west', async () => ((await get(WEST, 18301, '/w')) === 200 ? true : undefined));
    expect(await get(EAST, 18301, '/w')).toBe('ECONNREFUSED');
    expect((await controllerBus.configKeys()).map((k) => `${k.cluster}/${k.name}`)).toEqual(['east/everywhere', 'west/everywhere', 'west/west-only']);
    await waitFor('Programmed', () => (programmed('everywhere')?.status === 'True' && programmed('west-only')?.status === 'True' ? true : undefined));
    expect(programmed('everywhere')!.message).toMatch(/^cluster east: Served at revision \d+ by 1 agent: east\/e1; cluster west: Served at revision \d+ by 1 agent: west\/w1$/);
    expect(gatewayStatus('everywhere')!.addresses).toEqual([{ type: 'IPAddress', value: EAST }, { type: 'IPAddress', value: WEST }]);
    expect(gatewayStatus('west-only')!.addresses).toEqual([{ type: 'IPAddress', value: WEST }]);
  });

  it('an invalid placement annotation publishes nothing and says why', () => {
    expect(programmed('misplaced')).toMatchObject({ status: 'False', reason: 'Invalid', message: 'Annotation portway.dev/clusters " , " names no cluster' });
  });

  it('an agent that vanishes is waited for while stale, not once gone; its address leaves the status', async () => {
    const w1 = agents.get('w1')!;
    agents.delete('w1');
    // A crash: no goodbye, heartbeats just stop.
    await w1.bus.close();
    await w1.agent.stop();
    await waitFor('west gone', () => (/cluster west: no live agent/.test(programmed('everywhere')?.message ?? '') ? true : undefined), 5_000);
    expect(programmed('everywhere')!.status).toBe('True');
    expect(gatewayStatus('everywhere')!.addresses).toEqual([{ type: 'IPAddress', value: EAST }]);
    expect(programmed('west-only')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(programmed('west-only')!.message).toMatch(/No agent serves this Gateway/);
    // It comes back: served at once from what the bus holds, then Programmed again.
    await startAgent('west', 'w1', WEST);
    expect(await get(WEST, 18301, '/w')).toBe(200);
    await waitFor('west-only Programmed again', () => (programmed('west-only')?.status === 'True' ? true : undefined));
  });

  it('a build that fails while the bus is away is retried once it is back', async () => {
    await server.kill();
    writeFileSync(join(dir, 'routes.yaml'), [route('a', 'everywhere', '/a2'), route('w', 'west-only', '/w')].join('---\n'));
    await sleep(1_500); // longer than the bus's request timeout: the build fails
    await server.restart();
    await waitFor('the edit served after the bus came back', async () => ((await get(EAST, 18300, '/a2')) === 200 ? true : undefined), 20_000);
    expect(await get(EAST, 18300, '/a')).toBe(404);
  }, 30_000);

  it('a Gateway that goes away is retracted from every cluster it was published for', async () => {
    writeFileSync(join(dir, 'base.yaml'), base.replace(`---\n${gateway('west-only', 18301, 'west')}`, ''));
    await waitFor('west-only retracted', async () => ((await get(WEST, 18301, '/w')) === 'ECONNREFUSED' ? true : undefined));
    expect((await controllerBus.configKeys()).map((k) => `${k.cluster}/${k.name}`)).toEqual(['east/everywhere', 'west/everywhere']);
    expect(controller.statusStore.statusOf('Gateway', 'default', 'west-only')).toBeUndefined();
  });
});
