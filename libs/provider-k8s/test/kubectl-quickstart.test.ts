/**
 * The quickstart applied with the real kubectl to the API double, with the hub in Kubernetes mode
 * (Controller + Kubernetes source + status writer, in-process bus and agent): statuses read back
 * with `kubectl get -o yaml` within 2 s, traffic through the agent, an edit, a deletion and an
 * invalid route. (The `portway controller` CLI end-to-end test uses the same kube environment helper.)
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { InProcessBus } from '@portway/bus';
import type { Agent } from '@portway/agent';
import { kubectlAvailable, startKubeEnvironment, type KubeEnvironment } from '@portway/testing';
import { startAgent, startReplica, type Replica } from './pipeline.js';
import { waitFor } from './support.js';

const hasKubectl = kubectlAvailable();
const GATEWAY = '127.0.94.1';
// The quickstart, with backends on addresses of this test's own (other tests use the originals).
const quickstart = ['00-gateway.yaml', '10-backends.yaml', '20-routes.yaml']
  .map((f) => readFileSync(fileURLToPath(new URL(`../../../examples/quickstart/${f}`, import.meta.url)), 'utf8'))
  .join('\n---\n')
  .replace(/127\.0\.0\.(1[1-4])/g, '127.0.94.$1');

let env: KubeEnvironment | undefined;
let replica: Replica | undefined;
let agent: Agent | undefined;
const bus = new InProcessBus();
const backends: Server[] = [];

describe.skipIf(!hasKubectl)('kubectl apply of the quickstart, Kubernetes mode (skipped: kubectl is not installed)', () => {
  beforeAll(async () => {
    for (const [n, name] of [[11, 'v1'], [12, 'v1'], [13, 'v2'], [14, 'api']] as const) {
      const s = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ backend: name, path: req.url, routedBy: req.headers['x-routed-by'] ?? null }));
      });
      await new Promise<void>((r) => s.listen(3000, `127.0.94.${n}`, () => r()));
      backends.push(s);
    }
    env = await startKubeEnvironment();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.kubeconfigPath);
    agent = startAgent(bus);
    replica = await startReplica({ kubeConfig, bus, addressPool: [GATEWAY] });
  });

  afterAll(async () => {
    await replica?.stop();
    await agent?.stop();
    await bus.close();
    await env?.close();
    for (const s of backends) await new Promise((r) => s.close(r));
  });

  const status = async (resource: string, name: string) => parse(await env!.getYaml(resource, name, 'default')).status;
  const cond = (conds: { type: string; status: string; reason: string }[] | undefined, type: string) => conds?.find((c) => c.type === type);

  it('statuses carry the right conditions within 2 s of kubectl apply', async () => {
    const out = await env!.apply(quickstart);
    expect(out).toContain('gateway.gateway.networking.k8s.io/quickstart created');
    const applied = Date.now();
    const gw = await waitFor(
      'Gateway Programmed (kubectl get -o yaml)',
      async () => {
        const s = await status('gateway', 'quickstart');
        return cond(s?.conditions, 'Programmed')?.status === 'True' ? s : undefined;
      },
      2000,
    );
    expect(Date.now() - applied).toBeLessThan(2000);
    expect(gw.addresses).toEqual([{ type: 'IPAddress', value: GATEWAY }]);
    expect(gw.listeners[0].attachedRoutes).toBe(4);
    for (const name of ['default', 'v2', 'canary', 'api']) {
      const route = await waitFor(`route ${name} status`, async () => (await status('httproute', name))?.parents?.[0], 2000);
      expect(route.controllerName).toBe('portway.dev/gateway-controller');
      expect(route.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(expect.arrayContaining(['Accepted=True', 'ResolvedRefs=True']));
    }
    const gc = parse(await env!.kubectl(['get', 'gatewayclass', 'portway', '-o', 'yaml'])).status;
    expect(cond(gc.conditions, 'Accepted')?.status).toBe('True');
    expect(gc.supportedFeatures.length).toBeGreaterThan(0);
  });

  it('routes traffic through the agent; an edit changes routing; deleting a route gives 404', async () => {
    // node:http rather than fetch: fetch does not let a request choose its Host header.
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body?: { backend: string; routedBy: string | null } }>((resolve, reject) => {
        const req = request({ host: GATEWAY, port: 8080, path, headers }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.statusCode === 200 ? { body: JSON.parse(text) } : {}) }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await waitFor('traffic', async () => ((await get('/v2/x')).status === 200 ? get('/v2/x') : undefined))).body).toMatchObject({ backend: 'v2', routedBy: 'portway' });
    expect((await get('/anything')).body?.backend).toBe('v1');
    expect((await get('/', { host: 'api.example.com' })).body?.backend).toBe('api');

    // Edit: /v2 now goes to echo-api.
    await env!.apply(quickstart.replace(/(name: v2\n[\s\S]*?backendRefs:\n\s*- name: )echo-v2/, '$1echo-api'));
    await waitFor('the edit to route /v2 to echo-api', async () => ((await get('/v2/x')).body?.backend === 'api' ? true : undefined), 5000);

    // Delete the catch-all route: paths nothing else matches get 404.
    await env!.kubectl(['delete', 'httproute', 'default', '-n', 'default']);
    await waitFor('404 after the deletion', async () => ((await get('/anything')).status === 404 ? true : undefined), 5000);
  });

  it('gives an invalid route its condition', async () => {
    await env!.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: broken, namespace: default}
spec:
  parentRefs: [{name: quickstart}]
  rules: [{backendRefs: [{name: no-such-service, port: 80}]}]
`);
    const parentStatus = await waitFor('ResolvedRefs=False', async () => {
      const p = (await status('httproute', 'broken'))?.parents?.[0];
      return cond(p?.conditions, 'ResolvedRefs')?.status === 'False' ? p : undefined;
    });
    expect(cond(parentStatus.conditions, 'ResolvedRefs')?.reason).toBe('BackendNotFound');
    // The API double refuses what the API server would refuse, in its words.
    await expect(
      env!.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: refused, namespace: default}
spec:
  parentRefs: [{name: quickstart}]
  rules: [{matches: [{path: {type: Exact, value: no-slash}}]}]
`),
    ).rejects.toThrow(/The HTTPRoute "refused" is invalid: spec.rules\[0\].matches\[0\].path/);
  });
});
