/**
 * East-west reachability through the CLI a user runs: `portway controller --cluster-gateway
 * west=...`, `portway agent --east-west-listen ...` in west and an agent in east with the
 * ClusterSet client certificate, each with a proxy worker process (the certificate reaches the
 * workers). A Gateway placed in east routes to a ServiceImport whose endpoints live in west
 * (west serves no Gateway; its listener relays to the endpoints it exports, `--resources`):
 * requests to east's agent reach west's backend through west's east-west listener (and stop
 * when west's agent is gone, although the backend still runs). Bad flags fail the agent at
 * start with one clear line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, writeTestCertificates, type TestCertificateFiles } from '@portway/testing';
import { HubEnv } from './hub/hub-env.js';
import { gatewayClass } from './hub/manifests.js';
import { cli, cliBuilt, waitFor } from './hub/processes.js';

const EAST = '127.0.85.1';
const WEST = '127.0.85.2';
const WEST_BACKEND = '127.0.85.11';
const EW_PORT = 15443;
const PORT = 18420;

const objects = `${gatewayClass}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: default, annotations: {portway.dev/clusters: east}}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceImport
metadata: {name: store, namespace: default}
spec:
  type: ClusterSetIP
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: store-west
  namespace: default
  labels: {multicluster.kubernetes.io/service-name: store, multicluster.kubernetes.io/source-cluster: west}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [${WEST_BACKEND}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: default}
spec:
  parentRefs: [{name: shop}]
  rules:
  - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: store, port: 80}]
`;

/** What west's agent exports (`--resources`): the backend behind the ServiceImport. */
const westExports = `apiVersion: v1
kind: Service
metadata: {name: store, namespace: default}
spec: {ports: [{name: http, port: 80, targetPort: 3000}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: store-1, namespace: default, labels: {kubernetes.io/service-name: store}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [${WEST_BACKEND}]}]
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: {name: store, namespace: default}
`;

describe.skipIf(!cliBuilt)('east-west through the CLI (controller --cluster-gateway, agent --east-west-*)', () => {
  let env: HubEnv;
  let dir: string;
  let ew: TestCertificateFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portway-ew-cli-'));
    ew = await writeTestCertificates(dir, await makeTestCertificates({ serverNames: [WEST], clients: ['east'] }));
    const resources = join(dir, 'west-resources');
    mkdirSync(resources);
    writeFileSync(join(resources, 'store.yaml'), westExports);
    env = await HubEnv.start({ clusters: ['east', 'west'], backends: [{ address: WEST_BACKEND, pod: 'store-west-0' }], files: { 'objects.yaml': objects } });
    await env.startController(['--cluster-gateway', `west=${WEST}:${EW_PORT}`]);
    await env.startAgent({
      cluster: 'west',
      name: 'w1',
      address: WEST,
      workers: 1,
      extra: ['--east-west-listen', `${WEST}:${EW_PORT}`, '--east-west-ca', ew.caFile, '--east-west-cert', ew.server.certFile, '--east-west-key', ew.server.keyFile, '--resources', resources],
    });
    await env.startAgent({
      cluster: 'east',
      name: 'e1',
      address: EAST,
      workers: 1,
      extra: ['--east-west-ca', ew.caFile, '--east-west-cert', ew.clients.east!.certFile, '--east-west-key', ew.clients.east!.keyFile],
    });
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('east serves west\'s backend through west\'s east-west listener', async () => {
    const body = await waitFor('a request through east', async () => {
      const res = await fetch(`http://${EAST}:${PORT}/through`).catch(() => undefined);
      return res?.status === 200 ? await res.text() : undefined;
    }, 20_000);
    expect(body).toContain('store-west-0');
    // West serves no Gateway: its listener allows the endpoint because west exports it.
    expect(env.agents.get('w1')!.proc.log()).toContain('east-west listener ready');
  });

  it('east\'s config names west\'s listener; with west\'s agent gone, east cannot reach the (still running) backend', async () => {
    const hub = await env.bus();
    const east = (await hub.listConfigs('east')).flatMap((e) => Object.values(e.config.backends)).flatMap((b) => b.endpoints);
    expect(east).toEqual([{ address: WEST_BACKEND, port: 3000, cluster: 'west', ready: true, via: { address: WEST, port: EW_PORT } }]);
    await env.agents.get('w1')!.proc.stop('SIGTERM', 5_000);
    // The backend itself still answers: only the tunnel is gone.
    expect((await fetch(`http://${WEST_BACKEND}:3000/direct`)).status).toBe(200);
    const res = await fetch(`http://${EAST}:${PORT}/after`);
    await res.arrayBuffer();
    expect(res.status).toBeGreaterThanOrEqual(500);
  });

  it('bad east-west flags stop the agent at start with a clear message', () => {
    const run = (extra: string[]) => spawnSync(process.execPath, [cli, 'agent', '--cluster', 'x', '--nats', 'nats://127.0.0.1:1', '--workers', '0', ...extra], { encoding: 'utf8', timeout: 20_000 });
    const listenOnly = run(['--east-west-listen', `${WEST}:0`]);
    expect(listenOnly.status).not.toBe(0);
    expect(listenOnly.stderr).toContain('--east-west-listen needs --east-west-ca, --east-west-cert and --east-west-key');
    const partial = run(['--east-west-ca', ew.caFile]);
    expect(partial.stderr).toContain('--east-west-cert and --east-west-key missing');
    const mismatched = run(['--east-west-ca', ew.caFile, '--east-west-cert', ew.server.certFile, '--east-west-key', ew.clients.east!.keyFile]);
    expect(mismatched.stderr).toContain('does not match the certificate');
  });
});
