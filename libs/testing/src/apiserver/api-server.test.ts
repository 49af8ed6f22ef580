/**
 * The API-server double over real HTTP: what clients rely on (discovery, optimistic concurrency, the
 * status subresource, generation, paging, watches with bookmarks and 410, selectors, patches), with
 * plain fetch, and with the real kubectl where it is installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './api-server.js';

const GW = '/apis/gateway.networking.k8s.io/v1';
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

let server: ApiServer;

async function call(method: string, path: string, body?: unknown, contentType = 'application/json', accept?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': contentType, ...(accept ? { accept } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const route = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { parentRefs: [{ name: 'gw' }], ...extra },
});

/** Reads watch events until `stop` says so or `limit` events arrived (bounded). */
async function readWatch(path: string, stop: (events: any[]) => boolean, limit = 50, timeoutMs = 5000): Promise<any[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const events: any[] = [];
  try {
    const res = await fetch(`${server.url}${path}`, { signal: ac.signal });
    const reader = res.body!.getReader();
    let buf = '';
    while (events.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      if (stop(events)) break;
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}

beforeAll(async () => {
  server = await startApiServer({ bookmarkIntervalMs: 100, eventWindow: 50 });
});
afterAll(async () => {
  await server?.close();
});

describe('API-server double', () => {
  it('serves legacy and aggregated discovery, and the version', async () => {
    const groups = await call('GET', '/apis');
    expect(groups.body.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(['gateway.networking.k8s.io', 'multicluster.x-k8s.io', 'coordination.k8s.io']));
    const agg = await call('GET', '/apis', undefined, 'application/json', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
    expect(agg.headers.get('content-type')).toContain('as=APIGroupDiscoveryList');
    const gw = agg.body.items.find((i: any) => i.metadata.name === 'gateway.networking.k8s.io');
    const httproutes = gw.versions[0].resources.find((r: any) => r.resource === 'httproutes');
    expect(httproutes.subresources[0].subresource).toBe('status');
    const resources = await call('GET', GW);
    expect(resources.body.resources.map((r: any) => r.name)).toContain('gateways/status');
    expect((await call('GET', '/version')).body.major).toBe('1');
  });

  it('creates with uid, generation and resourceVersion; 409 on a duplicate and on a stale resourceVersion', async () => {
    const created = await call('POST', `${GW}/namespaces/default/httproutes`, route('a'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ generation: 1, uid: expect.any(String), creationTimestamp: expect.any(String) });
    // Defaults applied as the API server does for the CRD.
    expect(created.body.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
    const dup = await call('POST', `${GW}/namespaces/default/httproutes`, route('a'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'httproutes.gateway.networking.k8s.io "a" already exists' });
    const update = { ...created.body, spec: { ...created.body.spec, hostnames: ['a.example'] } };
    const ok = await call('PUT', `${GW}/namespaces/default/httproutes/a`, update);
    expect(ok.body.metadata.generation).toBe(2);
    const stale = await call('PUT', `${GW}/namespaces/default/httproutes/a`, update);
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toContain('the object has been modified');
  });

  it('keeps status and spec apart: the status subresource ignores spec, the main resource ignores status', async () => {
    const current = (await call('GET', `${GW}/namespaces/default/httproutes/a`)).body;
    const condition = { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 2 };
    const status = { parents: [{ parentRef: { name: 'gw' }, controllerName: 'example.net/other', conditions: [condition] }] };
    const written = await call('PUT', `${GW}/namespaces/default/httproutes/a/status`, { ...current, spec: { ...current.spec, hostnames: ['ignored.example'] }, status });
    expect(written.status).toBe(200);
    // Defaults apply to status too (parentRef group and kind).
    expect(written.body.status.parents[0]).toMatchObject({ controllerName: 'example.net/other', parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' } });
    expect(written.body.spec.hostnames).toEqual(['a.example']);
    expect(written.body.metadata.generation).toBe(current.metadata.generation);
    const main = await call('PUT', `${GW}/namespaces/default/httproutes/a`, { ...written.body, status: { parents: [] } });
    expect(main.body.status).toEqual(written.body.status);
    // Nothing changed: no new resourceVersion.
    expect(main.body.metadata.resourceVersion).toBe(written.body.metadata.resourceVersion);
  });

  it('answers 422 with the API server wording for an invalid object', async () => {
    const bad = await call('POST', `${GW}/namespaces/default/httproutes`, route('bad', { rules: [{ matches: [{ path: { type: 'Exact', value: 'x' } }] }] }));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.message).toMatch(/^HTTPRoute\.gateway\.networking\.k8s\.io "bad" is invalid: spec\.rules\[0\]\.matches\[0\]\.path/);
    expect(bad.body.details.causes[0].field).toBe('spec.rules[0].matches[0].path');
  });

  it('applies merge, JSON and strategic merge patches', async () => {
    const merged = await call('PATCH', `${GW}/namespaces/default/httproutes/a`, { metadata: { labels: { tier: 'x' } } }, 'application/merge-patch+json');
    expect(merged.body.metadata.labels).toEqual({ app: 'a', tier: 'x' });
    const json = await call('PATCH', `${GW}/namespaces/default/httproutes/a`, [{ op: 'remove', path: '/metadata/labels/tier' }], 'application/json-patch+json');
    expect(json.body.metadata.labels).toEqual({ app: 'a' });
    const crdSmp = await call('PATCH', `${GW}/namespaces/default/httproutes/a`, {}, 'application/strategic-merge-patch+json');
    expect(crdSmp.status).toBe(415);
    await call('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ name: 'a', port: 80 }] } });
    const smp = await call('PATCH', '/api/v1/namespaces/default/services/svc', { spec: { ports: [{ port: 81, name: 'b' }] } }, 'application/strategic-merge-patch+json');
    expect(smp.body.spec.ports.map((p: any) => p.port)).toEqual([80, 81]);
  });

  it('pages a list through a consistent snapshot, and expires the continue token after a compaction', async () => {
    for (const n of ['p1', 'p2', 'p3']) await call('POST', `${GW}/namespaces/default/httproutes`, route(n));
    const first = await call('GET', `${GW}/namespaces/default/httproutes?limit=2&labelSelector=app+in+(p1,p2,p3)`);
    expect(first.body.items.map((i: any) => i.metadata.name)).toEqual(['p1', 'p2']);
    expect(first.body.metadata.remainingItemCount).toBe(1);
    await call('DELETE', `${GW}/namespaces/default/httproutes/p3`);
    const second = await call('GET', `${GW}/namespaces/default/httproutes?limit=2&labelSelector=app+in+(p1,p2,p3)&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(second.body.items.map((i: any) => i.metadata.name)).toEqual(['p3']);
    server.faults.expireResourceVersions();
    const expired = await call('GET', `${GW}/namespaces/default/httproutes?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(expired.status).toBe(410);
    const byField = await call('GET', `${GW}/httproutes?fieldSelector=metadata.name%3Dp1`);
    expect(byField.body.items.map((i: any) => i.metadata.name)).toEqual(['p1']);
    expect((await call('GET', `${GW}/httproutes?fieldSelector=spec.x%3D1`)).status).toBe(400);
  });

  it('streams watch events from a resourceVersion, with bookmarks, and 410 for an expired one', async () => {
    const list = await call('GET', `${GW}/namespaces/default/httproutes`);
    const rv = list.body.metadata.resourceVersion;
    const watching = readWatch(`${GW}/namespaces/default/httproutes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, (ev) => ev.some((e) => e.type === 'DELETED') && ev.some((e) => e.type === 'BOOKMARK'));
    await new Promise((r) => setTimeout(r, 50));
    await call('POST', `${GW}/namespaces/default/httproutes`, route('w1'));
    await call('PATCH', `${GW}/namespaces/default/httproutes/w1`, { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
    await call('DELETE', `${GW}/namespaces/default/httproutes/w1`);
    const events = await watching;
    expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    expect(events.find((e) => e.type === 'BOOKMARK').object.metadata.resourceVersion).toMatch(/^\d+$/);

    // The window holds 50 events: push it past the resourceVersion the list returned.
    for (let i = 0; i < 60; i++) await call('PATCH', `${GW}/namespaces/default/httproutes/p1`, { metadata: { labels: { n: String(i) } } }, 'application/merge-patch+json');
    const expired = await readWatch(`${GW}/namespaces/default/httproutes?watch=true&resourceVersion=${rv}`, (ev) => ev.length > 0);
    expect(expired[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('delivers objects that leave a label selector as DELETED', async () => {
    const rv = (await call('GET', `${GW}/namespaces/default/httproutes`)).body.metadata.resourceVersion;
    const watching = readWatch(`${GW}/namespaces/default/httproutes?watch=true&resourceVersion=${rv}&labelSelector=app%3Dp2`, (ev) => ev.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    await call('PATCH', `${GW}/namespaces/default/httproutes/p2`, { metadata: { labels: { app: 'moved' } } }, 'application/merge-patch+json');
    const events = await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED p2']);
  });

  it('injects conflicts into writes', async () => {
    server.faults.injectErrors({ count: 1, kind: 'HTTPRoute', subresource: 'status' });
    const current = (await call('GET', `${GW}/namespaces/default/httproutes/p1`)).body;
    expect((await call('PUT', `${GW}/namespaces/default/httproutes/p1/status`, { ...current, status: { parents: [] } })).status).toBe(409);
    expect((await call('PUT', `${GW}/namespaces/default/httproutes/p1/status`, { ...current, status: { parents: [] } })).status).toBe(200);
  });

  it.skipIf(!hasKubectl)('works with kubectl apply, get -o yaml and delete (skipped: kubectl is not installed)', async () => {
    const kubeconfig = server.writeKubeconfig();
    // Asynchronous: the double answers from this process, so a blocking exec would starve it.
    const kubectl = async (args: string[], input?: string) => {
      const child = promisify(execFile)('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 20_000 });
      if (input !== undefined) child.child.stdin!.end(input);
      return (await child).stdout;
    };
    const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kgw, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: 80, protocol: HTTP}]
`;
    expect(await kubectl(['apply', '-f', '-'], yaml)).toContain('gateway.gateway.networking.k8s.io/kgw created');
    expect(await kubectl(['apply', '-f', '-'], yaml.replace('port: 80', 'port: 8080'))).toContain('configured');
    const out = await kubectl(['get', 'gateway', 'kgw', '-o', 'yaml']);
    expect(out).toContain('port: 8080');
    expect(out).toMatch(/generation: 2/);
    expect(await kubectl(['get', 'gtw'])).toMatch(/^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\nkgw\s+portway/);
    expect(await kubectl(['delete', 'gateway', 'kgw'])).toContain('deleted');
    expect(server.get('gateway.networking.k8s.io/v1', 'Gateway', 'default', 'kgw')).toBeUndefined();
  });
});
