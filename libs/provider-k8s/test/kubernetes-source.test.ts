/**
 * The Kubernetes source against the API-server double over HTTP, with the real client library:
 * initial list, events, batching, recovery of expired and stalled watches, filtering of other
 * controllers' objects, referenced Secrets only, invalid objects, CRDs that are not installed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '@portway/testing';
import { createKubernetesSource, type KubernetesSource, type SourceState } from '../src/index.js';
import { CONTROLLER, gateway, gatewayClass, GW_V1, httpRoute, names, recordingLog, service, startDouble, waitFor } from './support.js';

let server: ApiServer | undefined;
let source: KubernetesSource | undefined;

afterEach(async () => {
  await source?.stop();
  await server?.close();
  source = undefined;
  server = undefined;
});

/** Starts a source and records every state it reports. */
async function follow(s: KubernetesSource): Promise<{ states: SourceState[]; last: () => SourceState }> {
  const states: SourceState[] = [];
  await s.start((st) => void states.push(st));
  return { states, last: () => states[states.length - 1]! };
}

const has = (st: SourceState, key: string) => names(st.objects).includes(key);

describe('Kubernetes source', () => {
  it('reports the initial list first, then changes; managedFields are dropped', async () => {
    const d = await startDouble();
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    server.create(service('echo'));
    server.create(httpRoute('web', ['gw']));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20 });
    const { states, last } = await follow(source);
    expect(states).toHaveLength(1);
    expect(names(states[0]!.objects)).toEqual(
      expect.arrayContaining(['GatewayClass/portway', 'Gateway/default/gw', 'HTTPRoute/default/web', 'Service/default/echo', 'Namespace/default']),
    );
    // The double records managedFields on every object; the source keeps none of them.
    expect(server.get(GW_V1, 'HTTPRoute', 'default', 'web')!.metadata.managedFields).toBeDefined();
    expect(states[0]!.objects.every((o) => !('managedFields' in o.metadata))).toBe(true);
    // Status is Portway's output: the source drops it, as the file source does.
    expect(states[0]!.objects.find((o) => o.kind === 'Service')!.apiVersion).toBe('v1');

    server.create(httpRoute('second', ['gw']));
    await waitFor('the new route', () => (has(last(), 'HTTPRoute/default/second') ? true : undefined));
    const route = server.get(GW_V1, 'HTTPRoute', 'default', 'web')!;
    server.update({ ...route, spec: { ...route.spec, hostnames: ['web.example'] } });
    await waitFor('the edit', () => (last().objects.find((o) => o.metadata.name === 'web' && (o as any).spec.hostnames?.[0] === 'web.example') ? true : undefined));
    server.delete(GW_V1, 'HTTPRoute', 'default', 'second');
    await waitFor('the deletion', () => (has(last(), 'HTTPRoute/default/second') ? undefined : true));
    // Versions increase; unchanged objects keep their identity from one state to the next.
    const [a, b] = states.slice(-2);
    expect(b!.version).toBeGreaterThan(a!.version);
    expect(b!.objects.find((o) => o.kind === 'GatewayClass')).toBe(a!.objects.find((o) => o.kind === 'GatewayClass'));
  });

  it('batches a burst of changes into few states, and coalesces while onChange is busy', async () => {
    const d = await startDouble();
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 50 });
    const states: SourceState[] = [];
    let busy = 0;
    await source.start((st) => {
      states.push(st);
      busy++;
      // A slow build: changes that arrive meanwhile wait for it and come as one batch.
      return new Promise<void>((r) => setTimeout(r, 300)).then(() => void busy--) as unknown as void;
    });
    for (let i = 0; i < 100; i++) server.create(httpRoute(`r${i}`, ['gw']));
    await waitFor('all 100 routes', () => (states[states.length - 1]!.objects.filter((o) => o.kind === 'HTTPRoute').length === 100 ? true : undefined));
    // 1 initial state, then at most a handful of batches for 100 creations.
    expect(states.length).toBeLessThanOrEqual(5);
    expect(states.length).toBeGreaterThanOrEqual(2);
  });

  it('relists after a watch expires (410 Gone), as an ERROR event and when resuming from a compacted resourceVersion', async () => {
    const d = await startDouble({ bookmarkIntervalMs: 100 });
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20, kinds: ['GatewayClass', 'Gateway', 'HTTPRoute'] });
    const { last } = await follow(source);
    await waitFor('route watch open', () => (server!.openWatches({ kind: 'HTTPRoute' }) === 1 ? true : undefined));

    expect(server.faults.expireWatches({ kind: 'HTTPRoute' })).toBe(1);
    server.create(httpRoute('after-expiry', ['gw']));
    await waitFor('route after the 410', () => (has(last(), 'HTTPRoute/default/after-expiry') ? true : undefined));
    expect(source.reflectorStats().HTTPRoute!.relists.expired).toBe(1);

    // Compaction, then the server closes the watch: resuming from the old resourceVersion gets 410 → relist.
    await waitFor('route watch open again', () => (server!.openWatches({ kind: 'HTTPRoute' }) === 1 ? true : undefined));
    server.create(httpRoute('before-compaction', ['gw']));
    await waitFor('route before compaction', () => (has(last(), 'HTTPRoute/default/before-compaction') ? true : undefined));
    server.faults.stallWatches({ kind: 'HTTPRoute' });
    server.delete(GW_V1, 'HTTPRoute', 'default', 'before-compaction');
    server.faults.expireResourceVersions();
    server.faults.closeWatches({ kind: 'HTTPRoute' });
    await waitFor('the deletion missed by the stalled watch', () => (has(last(), 'HTTPRoute/default/before-compaction') ? undefined : true));
    expect(source.reflectorStats().HTTPRoute!.relists.expired).toBe(2);
  });

  it('relists when a watch stalls (no event and no bookmark)', async () => {
    const d = await startDouble({ bookmarkIntervalMs: 100 });
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20, stallMs: 600, kinds: ['GatewayClass', 'Gateway', 'HTTPRoute'] });
    const { last } = await follow(source);
    await waitFor('route watch open', () => (server!.openWatches({ kind: 'HTTPRoute' }) === 1 ? true : undefined));
    // Bookmarks keep a quiet watch alive: no relist while the watch is healthy.
    await new Promise((r) => setTimeout(r, 1000));
    expect(source.reflectorStats().HTTPRoute!.relists.stalled).toBe(0);
    server.faults.stallWatches({ kind: 'HTTPRoute' });
    server.create(httpRoute('missed', ['gw']));
    await waitFor('the route the stalled watch never delivered', () => (has(last(), 'HTTPRoute/default/missed') ? true : undefined), 5000);
    expect(source.reflectorStats().HTTPRoute!.relists.stalled).toBeGreaterThanOrEqual(1);
  });

  it('relists periodically, catching a change no watch delivered', async () => {
    const d = await startDouble({ bookmarkIntervalMs: 50 });
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20, relistMs: 800, kinds: ['GatewayClass', 'Gateway', 'HTTPRoute'] });
    const { last } = await follow(source);
    await waitFor('route watch open', () => (server!.openWatches({ kind: 'HTTPRoute' }) === 1 ? true : undefined));
    // A silent watch: stall detection is at its default (3 min), so within the test only the periodic relist can notice.
    server.faults.stallWatches({ kind: 'HTTPRoute' });
    server.create(httpRoute('periodic', ['gw']));
    await waitFor('the relist', () => (has(last(), 'HTTPRoute/default/periodic') ? true : undefined), 5000);
    expect(source.reflectorStats().HTTPRoute!.relists.relist).toBeGreaterThanOrEqual(1);
  });

  it("leaves other controllers' GatewayClasses, their Gateways and routes attached only to them out of the state", async () => {
    const d = await startDouble();
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gatewayClass('other', 'example.net/other-controller'));
    server.create(gateway('ours'));
    server.create(gateway('theirs', 'other'));
    server.create(httpRoute('only-theirs', ['theirs']));
    server.create(httpRoute('both', ['theirs', 'ours']));
    server.create(httpRoute('unknown-parent', ['nowhere']));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20 });
    const { last } = await follow(source);
    const st = last();
    expect(has(st, 'GatewayClass/portway')).toBe(true);
    expect(has(st, 'GatewayClass/other')).toBe(false);
    expect(has(st, 'Gateway/default/ours')).toBe(true);
    expect(has(st, 'Gateway/default/theirs')).toBe(false);
    expect(has(st, 'HTTPRoute/default/only-theirs')).toBe(false);
    expect(has(st, 'HTTPRoute/default/both')).toBe(true);
    expect(has(st, 'HTTPRoute/default/unknown-parent')).toBe(true);
    // Left-out objects are kept as stubs only.
    expect(source.cacheCounts().stubs).toBeGreaterThanOrEqual(3);

    // The other Gateway moves to Portway's class: it and its route are fetched in full and appear.
    const theirs = server.get(GW_V1, 'Gateway', 'default', 'theirs')!;
    server.update({ ...theirs, spec: { ...theirs.spec, gatewayClassName: 'portway' } });
    await waitFor('the Gateway and its route', () => (has(last(), 'Gateway/default/theirs') && has(last(), 'HTTPRoute/default/only-theirs') ? true : undefined));
    const route = last().objects.find((o) => o.metadata.name === 'only-theirs') as any;
    expect(route.spec.rules[0].backendRefs[0].name).toBe('echo');
  });

  it('keeps only the Secrets and ConfigMaps that Portway objects reference', async () => {
    const d = await startDouble();
    server = d.server;
    const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } });
    server.create(secret('cert'));
    server.create(secret('unrelated'));
    server.create(secret('later'));
    server.create(gatewayClass('portway'));
    const https = (ref: string) => ({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: ref }] } }] });
    server.create(gateway('gw', 'portway', https('cert')));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20 });
    const { last } = await follow(source);
    expect(has(last(), 'Secret/default/cert')).toBe(true);
    expect(has(last(), 'Secret/default/unrelated')).toBe(false);
    expect(has(last(), 'Secret/default/later')).toBe(false);
    const gw = server.get(GW_V1, 'Gateway', 'default', 'gw')!;
    server.update({ ...gw, spec: { ...gw.spec, ...https('later') } });
    await waitFor('the newly referenced Secret', () => (has(last(), 'Secret/default/later') && !has(last(), 'Secret/default/cert') ? true : undefined));
  });

  it('reports an object Portway cannot admit as an error, without stopping', async () => {
    const d = await startDouble();
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('gw'));
    // Stored without admission (an API server with older, laxer schemas could hold this).
    server.putUnchecked({ ...httpRoute('bad', ['gw']), spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'Exact', value: 'no-slash' } }] }] } });
    server.create(httpRoute('good', ['gw']));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20 });
    const { last } = await follow(source);
    expect(has(last(), 'HTTPRoute/default/good')).toBe(true);
    expect(has(last(), 'HTTPRoute/default/bad')).toBe(false);
    expect(last().errors).toEqual([
      expect.objectContaining({ kind: 'HTTPRoute', namespace: 'default', name: 'bad', path: 'spec.rules[0].matches[0].path', file: '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/bad' }),
    ]);
    server.delete(GW_V1, 'HTTPRoute', 'default', 'bad');
    await waitFor('the error to clear', () => (last().errors.length === 0 ? true : undefined));
  });

  it('skips kinds whose CRD is not installed, with a warning', async () => {
    const d = await startDouble({ skipKinds: ['ListenerSet', 'XBackendTrafficPolicy', 'ServiceImport'] });
    server = d.server;
    server.create(gatewayClass('portway'));
    const log = recordingLog();
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20, log });
    const { last } = await follow(source);
    const served = source.servedKinds().map((k) => k.kind);
    expect(served).not.toContain('ListenerSet');
    expect(served).toContain('HTTPRoute');
    expect(log.warnings.filter((w) => w.includes('not served'))).toHaveLength(3);
    expect(has(last(), 'GatewayClass/portway')).toBe(true);
  });

  it('watches namespaced kinds in the given namespaces only', async () => {
    const d = await startDouble({ namespaces: ['default', 'team-a', 'team-b'] });
    server = d.server;
    server.create(gatewayClass('portway'));
    server.create(gateway('a', 'portway', {}, 'team-a'));
    server.create(gateway('b', 'portway', {}, 'team-b'));
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER, batchMs: 20, namespaces: ['team-a'] });
    const { last } = await follow(source);
    expect(has(last(), 'Gateway/team-a/a')).toBe(true);
    expect(has(last(), 'Gateway/team-b/b')).toBe(false);
    expect(has(last(), 'Namespace/team-b')).toBe(true);
  });

  it('fails to start with a clear error when the API server cannot be reached', async () => {
    const d = await startDouble();
    await d.server.close();
    source = createKubernetesSource({ kubeConfig: d.kubeConfig, controllerName: CONTROLLER });
    await expect(source.start(() => {})).rejects.toThrow(/cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+/);
    source = undefined;
  });
});
