import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realStartEcho } from '../../test/helpers/echo.js';
import { StatusServer } from '../../test/helpers/status-server.js';
import { Cluster } from '../cluster/cluster.js';
import { ClusterDir } from '../cluster/cluster-dir.js';
import { Workloads } from '../cluster/workloads.js';
import { parseManifests, type KubeObject } from '../manifests/yaml-docs.js';
import { StatusClient } from '../portway/status-client.js';
import type { Action } from '../suite/types.js';
import { runAction, type ActionEnv } from './run-action.js';

const ns = 'gateway-conformance-infra';
const server = new StatusServer();
let tmp: string;
let cluster: Cluster;
let workloads: Workloads;
const notes: string[] = [];

const policy: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { name: 'reconcile-test', namespace: ns },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'tls-backend' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'tls-checks-ca-certificate' }], hostname: 'abc.example.com' } },
};
const ca: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tls-checks-ca-certificate', namespace: ns }, data: { 'ca.crt': 'CA PEM' } };
const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'infra-backend-v1', namespace: ns },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'infra-backend-v1' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1' }] } } },
};
const slice = (name: string, addressType: string): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': 'manual' } }, addressType, ports: [{ name: 'first-port', port: 3000, protocol: 'TCP' }] });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'run-action-test-'));
  const dir = new ClusterDir(join(tmp, 'cluster'), join(tmp, 'staging'));
  await dir.init();
  const client = new StatusClient(await server.start());
  workloads = new Workloads(realStartEcho, 7);
  cluster = new Cluster(dir, workloads, () => client.read(), 300, (m) => notes.push(m));
  server.objects = [{ ...policy, metadata: { ...policy.metadata, generation: 1 } }];
  await cluster.apply('test-a', [ca, policy, deployment, slice('manual-ip4', 'IPv4'), slice('manual-ip6', 'IPv6')]);
});
afterAll(async () => {
  await workloads.closeAll();
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
});

const env = (): ActionEnv => ({ cluster, group: 'test-a', originals: new Map(), usableAddresses: [], unusableAddresses: [], log: () => undefined });
const written = async () => parseManifests(await readFile(join(tmp, 'cluster', 'test-a.yaml'), 'utf8'), 'test-a');
const action = (a: Record<string, unknown>): Action => ({ step: 0, ...a }) as Action;

describe('runAction', () => {
  it('patches an object in the folder, and notes when Portway never shows the new spec', async () => {
    const e = env();
    await runAction(action({ action: 'patch', object: { kind: 'BackendTLSPolicy', namespace: ns, name: 'reconcile-test' }, change: 'spec.validation.hostname = "foo.example.com"' }), e);
    const p = (await written()).find((o) => o.kind === 'BackendTLSPolicy')!;
    expect((p['spec'] as { validation: { hostname: string } }).validation.hostname).toBe('foo.example.com');
    expect(notes.at(-1)).toMatch(/Portway shows BackendTLSPolicy gateway-conformance-infra\/reconcile-test without the new spec/);
    // Shown at a newer generation: no note.
    server.objects = [{ ...policy, metadata: { ...policy.metadata, generation: 3 } }];
    const before = notes.length;
    await runAction(action({ action: 'patch', object: { kind: 'BackendTLSPolicy', namespace: ns, name: 'reconcile-test' }, change: 'restore the original spec.validation.hostname' }), e);
    expect(notes.length).toBe(before);
    expect(((await written()).find((o) => o.kind === 'BackendTLSPolicy')!['spec'] as { validation: { hostname: string } }).validation.hostname).toBe('abc.example.com');
  });

  it('creates a ConfigMap from a copy of another one, into the test group', async () => {
    await runAction(action({ action: 'create', object: { kind: 'ConfigMap', namespace: ns, name: 'copy' }, data: { 'ca.crt': '<copy of data["ca.crt"] of ConfigMap gateway-conformance-infra/tls-checks-ca-certificate>' } }), env());
    expect((await written()).find((o) => o.metadata.name === 'copy')).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { 'ca.crt': 'CA PEM' } });
  });

  it('points manual EndpointSlices at the pods of the named Deployment, per address family', async () => {
    await runAction(
      action({ action: 'patchEndpointSlices', endpointSlices: ['manual-ip4', 'manual-ip6'], namespace: ns, description: 'set EndpointSlice <prefix>-<family>.endpoints to one endpoint per infra-backend-v1 pod IP of that family' }),
      env(),
    );
    const slices = (await written()).filter((o) => o.kind === 'EndpointSlice');
    const v4 = slices.find((s) => s.metadata.name === 'manual-ip4')!['endpoints'] as { addresses: string[] }[];
    expect(v4.map((e) => e.addresses[0]).sort()).toEqual(workloads.running().map((p) => p.ip).sort());
    expect(v4[0]!.addresses[0]).toMatch(/^127\.7\./);
    expect(slices.find((s) => s.metadata.name === 'manual-ip6')!['endpoints']).toBeUndefined();
  });

  it('deletes an object and waits until Portway no longer shows it', async () => {
    server.objects = [];
    await runAction(action({ action: 'delete', object: { kind: 'BackendTLSPolicy', apiVersion: '<as in manifest>', namespace: ns, name: 'reconcile-test' } }), env());
    expect((await written()).some((o) => o.kind === 'BackendTLSPolicy')).toBe(false);
    await expect(runAction(action({ action: 'delete', object: { kind: 'BackendTLSPolicy', namespace: ns, name: 'reconcile-test' } }), env())).rejects.toThrow(/does not exist/);
  });

  it('rejects actions and changes it cannot perform', async () => {
    await expect(runAction(action({ action: 'reboot' }), env())).rejects.toThrow(/action "reboot" is not known/);
    await expect(runAction(action({ action: 'patch', object: { kind: 'ConfigMap', namespace: ns, name: 'copy' }, change: 'make it nicer' }), env())).rejects.toThrow(/cannot interpret the change/);
  });
});
