/**
 * The standalone pipeline in one process, with real parts: a watched folder, the controller, the
 * in-process bus, an agent with the in-process proxy, and a real HTTP backend on loopback.
 * Files are written as a user would; requests go through the proxy's listening socket.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportedFeatures } from '@portway/api';
import { Agent, InProcessDataPlane } from '@portway/agent';
import { InProcessBus } from '@portway/bus';
import { createFileSource } from '@portway/provider-file';
import { Controller } from '../src/index.js';
import { waitFor } from '@portway/testing';
import { decodeForTests } from './decode-for-tests.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const GATEWAY_ADDRESS = '127.0.77.1';
const BACKEND_ADDRESS = '127.0.77.2';


describe('standalone pipeline', () => {
  let dir: string;
  let backend: Server;
  let controller: Controller;
  let agent: Agent;
  let bus: InProcessBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portway-pipeline-'));
    backend = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, host: req.headers.host, xff: req.headers['x-forwarded-for'] }));
    });
    await new Promise<void>((r) => backend.listen(3000, BACKEND_ADDRESS, () => r()));
    writeFileSync(
      join(dir, 'base.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portway}
spec: {controllerName: portway.dev/gateway-controller}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec: {ports: [{name: http, port: 8080, targetPort: 3000}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: echo-1, namespace: default, labels: {kubernetes.io/service-name: echo}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [${BACKEND_ADDRESS}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: 18080, protocol: HTTP}]
`,
    );
    bus = new InProcessBus();
    agent = new Agent({ name: 'standalone', cluster: '', bus, dataPlane: new InProcessDataPlane({ drainTimeoutMs: 500 }), log: silent });
    agent.start();
    controller = new Controller({
      source: createFileSource({ dir, decode: decodeForTests, debounceMs: 20 }),
      bus,
      log: silent,
      controllerName: 'portway.dev/gateway-controller',
      cluster: '',
      addressPool: [GATEWAY_ADDRESS],
      agents: ['standalone'],
      routeKinds: ['HTTPRoute'],
      supportedFeatures: supportedFeatures(),
    });
    await controller.start();
  });

  afterAll(async () => {
    await controller?.stop();
    await agent?.stop();
    await bus?.close();
    await new Promise((r) => backend?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const gatewayStatus = () => controller.statusStore.statusOf('Gateway', 'default', 'gw') as
    | { addresses?: { value: string }[]; conditions: { type: string; status: string; reason: string; observedGeneration: number }[] }
    | undefined;

  it('assigns an address and becomes Programmed once the agent serves the Gateway', async () => {
    const status = await waitFor('Programmed=True', () => {
      const s = gatewayStatus();
      return s?.conditions.find((c) => c.type === 'Programmed' && c.status === 'True') ? s : undefined;
    });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: GATEWAY_ADDRESS }]);
    expect(status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True', 'Programmed=True']);
  });

  it('serves 404 without routes, then routes a request once an HTTPRoute is written', async () => {
    const url = `http://${GATEWAY_ADDRESS}:18080/hello?x=1`;
    expect((await fetch(url)).status).toBe(404);
    writeFileSync(
      join(dir, 'route.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: echo, port: 8080}]}]
`,
    );
    const body = await waitFor('a 200 through the proxy', async () => {
      const res = await fetch(url);
      return res.status === 200 ? ((await res.json()) as { path: string; host: string; xff: string }) : undefined;
    });
    expect(body.path).toBe('/hello?x=1');
    expect(body.host).toBe(`${GATEWAY_ADDRESS}:18080`);
    expect(body.xff).toBe('127.0.0.1');
    const route = await waitFor('route status', () =>
      controller.statusStore.statusOf('HTTPRoute', 'default', 'web') as { parents: { conditions: { type: string; status: string }[] }[] } | undefined,
    );
    expect(route.parents[0]!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
  });

  it('rewrites every condition at the new observedGeneration when the Gateway spec changes', async () => {
    writeFileSync(
      join(dir, 'base.yaml'),
      `${(await import('node:fs')).readFileSync(join(dir, 'base.yaml'), 'utf8').replace('port: 18080', 'port: 18081')}`,
    );
    const status = await waitFor('generation 2 programmed', () => {
      const s = gatewayStatus();
      return s?.conditions.every((c) => c.observedGeneration === 2) &&
        s.conditions.find((c) => c.type === 'Programmed' && c.status === 'True')
        ? s
        : undefined;
    });
    expect(status.conditions).toHaveLength(3);
    const res = await fetch(`http://${GATEWAY_ADDRESS}:18081/`);
    expect(res.status).toBe(200);
    // The old port no longer accepts connections.
    await expect(
      new Promise((resolve, reject) => {
        const s = connect(18080, GATEWAY_ADDRESS, () => resolve(s.destroy()));
        s.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('reports a broken file and keeps serving the last good state', async () => {
    writeFileSync(join(dir, 'route.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web\n  : broken');
    await waitFor('the error to be reported', () => (controller.sourceErrors().length > 0 ? true : undefined));
    expect(controller.sourceErrors()[0]!.file).toContain('route.yaml');
    expect((await fetch(`http://${GATEWAY_ADDRESS}:18081/`)).status).toBe(200);
  });
});
