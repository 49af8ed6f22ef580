/**
 * Per-cluster reachability end to end: a hub controller with `clusterGateways` (what
 * `--cluster-gateway west=...` sets), agents of clusters east and west on their own loopback
 * addresses, west's backends exported through a ServiceImport. East's agent reaches west's
 * backend through west's east-west listener (mutual TLS) for an HTTPRoute and a TCPRoute;
 * west's own agent dials it directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportedFeatures } from '@portway/api';
import { Agent, EastWestAllowingDataPlane, EastWestAllowList, EastWestListener, InProcessDataPlane } from '@portway/agent';
import { InProcessBus } from '@portway/bus';
import { createFileSource } from '@portway/provider-file';
import { makeTestCertificates, waitFor } from '@portway/testing';
import { Controller } from '../src/index.js';
import { decodeForTests } from './decode-for-tests.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const EAST = '127.0.84.1';
const WEST = '127.0.84.2';
const WEST_BACKEND = '127.0.84.10';
const EW_PORT = 15443;


const objects = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portway}
spec: {controllerName: portway.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners:
  - {name: http, port: 18410, protocol: HTTP}
  - {name: tcp, port: 18411, protocol: TCP, allowedRoutes: {kinds: [{kind: TCPRoute}]}}
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceImport
metadata: {name: store, namespace: default}
spec:
  type: ClusterSetIP
  ports: [{name: http, port: 8080, protocol: TCP}, {name: echo, port: 9000, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: store-west
  namespace: default
  labels: {multicluster.kubernetes.io/service-name: store, multicluster.kubernetes.io/source-cluster: west}
addressType: IPv4
ports: [{name: http, port: 3000}, {name: echo, port: 3001}]
endpoints: [{addresses: [${WEST_BACKEND}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: store, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: echo, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules:
  - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: store, port: 9000}]
`;

async function getBody(address: string, port: number, path: string): Promise<string> {
  const res = await fetch(`http://${address}:${port}${path}`);
  return `${res.status} ${await res.text()}`;
}

/** Writes `data`, half-closes, returns everything read until the far side closes. */
function tcpExchange(address: string, port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port, allowHalfOpen: true });
    let got = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.end(data));
    s.on('data', (c: string) => (got += c));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
  });
}

describe('hub with a cluster gateway: east reaches west through its east-west listener', () => {
  let dir: string;
  let httpBackend: Server;
  let tcpBackend: TcpServer;
  let controller: Controller;
  let listener: EastWestListener;
  const bus = new InProcessBus();
  const agents: Agent[] = [];

  beforeAll(async () => {
    const certs = await makeTestCertificates({ serverNames: [WEST], clients: ['east'] });
    httpBackend = createHttpServer((req, res) => res.end(`west ${req.url ?? ''}`));
    await new Promise<void>((r) => httpBackend.listen(3000, WEST_BACKEND, () => r()));
    tcpBackend = createTcpServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d) => s.write(d));
      s.on('end', () => s.end('|west'));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => tcpBackend.listen(3001, WEST_BACKEND, () => r()));

    dir = mkdtempSync(join(tmpdir(), 'portway-east-west-hub-'));
    writeFileSync(join(dir, 'objects.yaml'), objects);
    controller = new Controller({
      source: createFileSource({ dir, decode: decodeForTests, debounceMs: 10 }),
      bus,
      log: silent,
      controllerName: 'portway.dev/gateway-controller',
      cluster: '',
      addressPool: [],
      agents: [],
      routeKinds: ['HTTPRoute', 'TCPRoute'],
      supportedFeatures: supportedFeatures(),
      hub: { discoveryMs: 0, clusterGateways: { west: { address: WEST, port: EW_PORT } } },
    });
    await controller.start();

    // West: its agent, and the east-west listener that relays to the endpoints its configs serve.
    const allowList = new EastWestAllowList();
    listener = new EastWestListener({ host: WEST, port: EW_PORT, ca: certs.ca.cert, cert: certs.server.cert, key: certs.server.key, allowList, log: silent });
    await listener.start();
    const west = new Agent({
      name: 'w1',
      cluster: 'west',
      bus,
      dataPlane: new EastWestAllowingDataPlane(new InProcessDataPlane({ defaultAddress: WEST, drainTimeoutMs: 200 }), allowList, 'west'),
      log: silent,
      heartbeatMs: 100,
      addresses: [WEST],
    });
    // East: its proxy carries the ClusterSet client certificate.
    const east = new Agent({
      name: 'e1',
      cluster: 'east',
      bus,
      dataPlane: new InProcessDataPlane({ defaultAddress: EAST, drainTimeoutMs: 200, eastWest: { ca: certs.ca.cert, cert: certs.clients.east!.cert, key: certs.clients.east!.key } }),
      log: silent,
      heartbeatMs: 100,
      addresses: [EAST],
    });
    for (const a of [west, east]) {
      a.start();
      agents.push(a);
    }
    await Promise.all(agents.map((a) => a.ready()));
  }, 30_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await controller?.stop();
    await listener?.close();
    await new Promise((r) => httpBackend?.close(r));
    await new Promise((r) => tcpBackend?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('east\'s config names west\'s gateway for west\'s endpoints; west\'s own config dials them directly', async () => {
    const configs = await waitFor('configs of both clusters', async () => {
      const all = await bus.listConfigs();
      return all.length === 2 ? all : undefined;
    });
    const endpoints = (cluster: string) =>
      Object.values(configs.find((c) => c.config.cluster === cluster)!.config.backends).flatMap((b) => b.endpoints);
    expect(endpoints('east').length).toBe(2);
    for (const e of endpoints('east')) expect(e).toMatchObject({ cluster: 'west', via: { address: WEST, port: EW_PORT } });
    for (const e of endpoints('west')) expect(e.via).toBeUndefined();
  });

  it('an HTTPRoute and a TCPRoute on east reach west\'s backends through the listener', async () => {
    const before = listener.counters.relayed;
    await waitFor('HTTP through east', async () => ((await getBody(EAST, 18410, '/hello')) === '200 west /hello' ? true : undefined));
    expect(await tcpExchange(EAST, 18411, 'ping')).toBe('ping|west');
    expect(listener.counters.relayed - before).toBeGreaterThanOrEqual(2);
    expect(listener.counters.refused).toBe(0);
    // West's own gateway serves the same backends directly.
    const relayed = listener.counters.relayed;
    expect(await getBody(WEST, 18410, '/local')).toBe('200 west /local');
    expect(listener.counters.relayed).toBe(relayed);
  });
});
