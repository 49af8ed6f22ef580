/**
 * Portway in Kubernetes mode, end to end, through the processes a cluster runs: the API-server
 * double of `@portway/testing` on loopback (the real `kubectl` talks to it), a real nats-server,
 * two built `portway controller --provider kubernetes` replicas campaigning on one Lease, one
 * `portway agent` on its own loopback address, and echo backends at the EndpointSlices' addresses.
 *
 *   1. `kubectl apply` of the quickstart: within 2 s the Gateway, its listener and the routes carry
 *      the right conditions (read back with `kubectl get -o yaml`), addresses are the agent's.
 *   2. Traffic flows through the agent; an edit (kubectl apply of a changed route) changes routing;
 *      deleting the catch-all route gives 404.
 *   3. Invalid routes get their conditions (BackendNotFound, NoMatchingParent).
 *   4. The leader is killed (-9): the standby (which published and wrote nothing) holds the Lease
 *      within 15 s, writes no status the cluster already has, and a change made after the kill
 *      reaches status and traffic.
 *   5. A second Gateway on the same port: the cluster's agents have one address, so it reads
 *      Programmed=False (the address is taken) while the first keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEcho, type EchoServer } from '@portway/echo';
import { kubectlAvailable, startKubeEnvironment, startNatsServer, freePort, type KubeEnvironment, type NatsServer } from '@portway/testing';
import { adminGet, CliProcess, cliBuilt, isReady, sleep, waitFor } from './hub/processes.js';
import { answeredBy, condition, httpGet, leaderView, quickstartYaml, startKubeController, summary, type KubeCondition, type KubeControllerReplica } from './support/kube-hub.js';

const hasKubectl = kubectlAvailable();
const AGENT = '127.0.97.1';
const PORT = 8080; // the quickstart's listener
const PREFIX = '127.0.97.';
const BACKENDS = [
  { address: `${PREFIX}11`, pod: 'echo-v1-a' },
  { address: `${PREFIX}12`, pod: 'echo-v1-b' },
  { address: `${PREFIX}13`, pod: 'echo-v2' },
  { address: `${PREFIX}14`, pod: 'echo-api' },
];
const LEASE_NS = 'default';
const ROUTES = ['default', 'v2', 'canary', 'api'];

interface RouteParentStatus {
  parentRef: { name: string; sectionName?: string };
  controllerName: string;
  conditions: KubeCondition[];
}

const skipReason = !cliBuilt ? ' (skipped: run npm run build first)' : !hasKubectl ? ' (skipped: kubectl is not installed)' : '';
if (skipReason) console.warn(`kubernetes-e2e${skipReason}`);

describe.skipIf(!cliBuilt || !hasKubectl)(`portway controller --provider kubernetes, end to end with kubectl${skipReason}`, () => {
  let env: KubeEnvironment;
  let nats: NatsServer;
  const echoes: EchoServer[] = [];
  let a: KubeControllerReplica;
  let b: KubeControllerReplica;
  let agent: CliProcess;
  const quickstart = quickstartYaml(PREFIX);

  /** `kubectl get <resource> <name> -o yaml`, parsed. */
  const kget = async (resource: string, name: string, namespace?: string) => parse(await env.getYaml(resource, name, namespace)) as Record<string, any>;
  /** The parent status of a route, straight from the double's store (cheap enough to poll). */
  const storedRouteParents = (name: string): RouteParentStatus[] => env.server.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', name)?.status?.parents ?? [];
  const storedGateway = () => env.server.get('gateway.networking.k8s.io/v1', 'Gateway', 'default', 'quickstart');
  const statusWrites = () => env.server.countRequests({ verb: 'update', subresource: 'status' });

  beforeAll(async () => {
    env = await startKubeEnvironment();
    nats = await startNatsServer();
    for (const be of BACKENDS) echoes.push(await startEcho({ host: be.address, httpPort: 3000, h2cPort: null, podName: be.pod, namespace: 'default', log: () => undefined }));
    // Replica a first, so it is the one that leads; b starts once a holds the Lease.
    a = await startKubeController({ identity: 'controller-a', kubeconfig: env.kubeconfigPath, nats: nats.url, leaseNamespace: LEASE_NS });
    await waitFor('controller-a leading', async () => ((await leaderView(a)).leading ? true : undefined), 20_000);
    b = await startKubeController({ identity: 'controller-b', kubeconfig: env.kubeconfigPath, nats: nats.url, leaseNamespace: LEASE_NS });
    const agentAdmin = `127.0.0.1:${await freePort()}`;
    agent = new CliProcess('agent', ['agent', '--cluster', 'e2e', '--name', 'agent-1', '--address', AGENT, '--workers', '1', '--admin', agentAdmin, '--heartbeat-ms', '500', '--drain-timeout-ms', '500', '--nats', nats.url, '--log-level', 'info']).start();
    await waitFor('agent /readyz', () => (agent.running() ? isReady(agentAdmin).then((r) => (r ? true : undefined)) : Promise.reject(new Error(agent.log()))), 30_000);
  }, 90_000);

  afterAll(async () => {
    await agent?.stop('SIGTERM', 5_000);
    await Promise.all([a?.proc.stop('SIGTERM', 5_000), b?.proc.stop('SIGTERM', 5_000)]);
    await Promise.all(echoes.map((e) => e.close()));
    await nats?.stop();
    await env?.close();
  }, 30_000);

  it('one replica leads, the other stands by: only the leader builds and serves status', async () => {
    expect(await leaderView(a)).toMatchObject({ leaderElection: true, leading: true, lease: `${LEASE_NS}/portway-controller`, identity: 'controller-a', holder: 'controller-a' });
    expect(await leaderView(b)).toMatchObject({ leaderElection: true, leading: false, identity: 'controller-b', holder: 'controller-a' });
    const lease = await kget('lease', 'portway-controller', LEASE_NS);
    expect(lease.spec.holderIdentity).toBe('controller-a');
    const standbyStatus = await adminGet<{ error: string }>(b.admin, '/status');
    expect(standbyStatus.status).toBe(503);
    expect(standbyStatus.body.error).toBe(`standby: not leading (Lease ${LEASE_NS}/portway-controller held by controller-a)`);
  });

  it('kubectl apply of the quickstart: within 2 s the statuses carry the right conditions (kubectl get -o yaml)', async () => {
    const started = Date.now();
    const out = await env.apply(quickstart);
    const applied = Date.now();
    expect(out).toContain('gateway.gateway.networking.k8s.io/quickstart created');
    expect(out).toContain('httproute.gateway.networking.k8s.io/canary created');
    // Latency, polled on the double's store every 20 ms (kubectl takes a few hundred ms a call).
    await waitFor(
      'Gateway Programmed with 4 attached routes, every route Accepted and ResolvedRefs',
      () => {
        const gw = storedGateway();
        const ok =
          condition(gw?.status?.conditions, 'Programmed')?.status === 'True' &&
          gw?.status?.listeners?.[0]?.attachedRoutes === 4 &&
          ROUTES.every((r) => {
            const p = storedRouteParents(r)[0];
            return condition(p?.conditions, 'Accepted')?.status === 'True' && condition(p?.conditions, 'ResolvedRefs')?.status === 'True';
          });
        return ok ? true : undefined;
      },
      5_000,
      20,
    );
    const latency = Date.now() - applied;
    console.log(`status after kubectl apply: ${latency} ms after kubectl returned (${Date.now() - started} ms after it started)`);
    expect(latency).toBeLessThan(2_000);

    // What a kubectl user reads.
    const gw = await kget('gateway', 'quickstart', 'default');
    expect(summary(gw.status.conditions)).toEqual(['Accepted=True', 'ResolvedRefs=True', 'Programmed=True']);
    expect(condition(gw.status.conditions, 'Accepted')).toMatchObject({ reason: 'Accepted', observedGeneration: gw.metadata.generation });
    expect(condition(gw.status.conditions, 'Programmed')).toMatchObject({ reason: 'Programmed', observedGeneration: gw.metadata.generation });
    expect(gw.status.addresses).toEqual([{ type: 'IPAddress', value: AGENT }]);
    expect(gw.status.listeners).toHaveLength(1);
    const listener = gw.status.listeners[0];
    expect(listener).toMatchObject({ name: 'http', attachedRoutes: 4 });
    expect(summary(listener.conditions)).toEqual(expect.arrayContaining(['Accepted=True', 'ResolvedRefs=True', 'Programmed=True', 'Conflicted=False']));
    expect(listener.supportedKinds).toEqual(expect.arrayContaining([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]));
    for (const name of ROUTES) {
      const route = await kget('httproute', name, 'default');
      expect(route.status.parents).toHaveLength(1);
      const parent = route.status.parents[0] as RouteParentStatus;
      expect(parent).toMatchObject({ controllerName: 'portway.dev/gateway-controller', parentRef: { name: 'quickstart' } });
      expect(condition(parent.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
      expect(condition(parent.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    }
    const gc = await kget('gatewayclass', 'portway');
    expect(condition(gc.status.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(gc.status.supportedFeatures.length).toBeGreaterThan(0);
  });

  it('traffic flows through the agent; an edit changes routing; deleting the route gives 404', async () => {
    expect(await waitFor('/v2 served by echo-v2', async () => ((await answeredBy(AGENT, PORT, '/v2/x')) === 'echo-v2' ? true : undefined), 5_000)).toBe(true);
    const v2 = JSON.parse((await httpGet(AGENT, PORT, '/v2/x')).body) as { headers: Record<string, string[]> };
    expect(v2.headers['X-Routed-By'] ?? v2.headers['x-routed-by']).toEqual(['portway']);
    expect(['echo-v1-a', 'echo-v1-b']).toContain(await answeredBy(AGENT, PORT, '/anything'));
    expect(await answeredBy(AGENT, PORT, '/', 'api.example.com')).toBe('echo-api');

    // Edit: the v2 route now sends /v2 to echo-api (kubectl apply of the changed manifest).
    const edited = quickstart.replace(/(name: v2\n[\s\S]*?backendRefs:\n\s*- name: )echo-v2/, '$1echo-api');
    expect(edited).not.toBe(quickstart);
    const editStarted = Date.now();
    expect(await env.apply(edited)).toContain('httproute.gateway.networking.k8s.io/v2 configured');
    await waitFor('/v2 served by echo-api after the edit', async () => ((await answeredBy(AGENT, PORT, '/v2/x')) === 'echo-api' ? true : undefined), 5_000, 20);
    console.log(`edit served ${Date.now() - editStarted} ms after kubectl apply started`);

    // Delete the catch-all route: paths nothing else matches get 404.
    await env.kubectl(['delete', 'httproute', 'default', '-n', 'default']);
    await waitFor('404 once the default route is deleted', async () => ((await httpGet(AGENT, PORT, '/anything')).status === 404 ? true : undefined), 5_000, 20);
    expect(await answeredBy(AGENT, PORT, '/', 'api.example.com')).toBe('echo-api');
    const gw = await waitFor('attachedRoutes 3', async () => {
      const g = await kget('gateway', 'quickstart', 'default');
      return g.status.listeners[0].attachedRoutes === 3 ? g : undefined;
    }, 5_000);
    expect(condition(gw.status.conditions, 'Programmed')?.status).toBe('True');
  });

  it('invalid routes get their conditions: a missing backend Service, an unknown listener', async () => {
    await env.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing-backend, namespace: default}
spec:
  parentRefs: [{name: quickstart}]
  rules: [{matches: [{path: {type: PathPrefix, value: /missing}}], backendRefs: [{name: no-such-service, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: unknown-section, namespace: default}
spec:
  parentRefs: [{name: quickstart, sectionName: no-such-listener}]
  rules: [{backendRefs: [{name: echo-v1, port: 80}]}]
`);
    const missing = await waitFor('missing-backend: ResolvedRefs=False', async () => {
      const p = (await kget('httproute', 'missing-backend', 'default')).status?.parents?.[0] as RouteParentStatus | undefined;
      return condition(p?.conditions, 'ResolvedRefs')?.status === 'False' ? p : undefined;
    }, 5_000);
    expect(condition(missing.conditions, 'ResolvedRefs')?.reason).toBe('BackendNotFound');
    expect(condition(missing.conditions, 'Accepted')?.status).toBe('True');
    // The rule with the missing backend answers 500, as the spec asks.
    await waitFor('/missing answers 500', async () => ((await httpGet(AGENT, PORT, '/missing')).status === 500 ? true : undefined), 5_000);

    const unknown = await waitFor('unknown-section: Accepted=False', async () => {
      const p = (await kget('httproute', 'unknown-section', 'default')).status?.parents?.[0] as RouteParentStatus | undefined;
      return condition(p?.conditions, 'Accepted')?.status === 'False' ? p : undefined;
    }, 5_000);
    expect(unknown.parentRef).toMatchObject({ name: 'quickstart', sectionName: 'no-such-listener' });
    expect(condition(unknown.conditions, 'Accepted')?.reason).toBe('NoMatchingParent');
  });

  it('the leader is killed (-9): the standby holds the Lease within 15 s and keeps status and traffic current', async () => {
    // The standby built nothing, published nothing.
    expect(b.proc.lines(/configuration built/)).toEqual([]);
    expect(a.proc.lines(/configuration built/).length).toBeGreaterThan(0);
    await sleep(300); // the leader's last writes settle
    const gwBefore = await kget('gateway', 'quickstart', 'default');
    const writesBefore = statusWrites();

    const killed = Date.now();
    await a.proc.stop('SIGKILL');
    const holder = await waitFor(
      'the Lease held by controller-b',
      async () => {
        const h = (await kget('lease', 'portway-controller', LEASE_NS)).spec?.holderIdentity as string | undefined;
        return h === 'controller-b' ? h : undefined;
      },
      20_000,
      250,
    );
    const takeoverMs = Date.now() - killed;
    expect(holder).toBe('controller-b');
    expect(takeoverMs).toBeLessThan(15_000);
    await waitFor('controller-b leading and built', async () => ((await leaderView(b)).leading && (await isReady(b.admin)) ? true : undefined), 10_000);
    const builtMs = Date.now() - killed;
    // The new leader's first statuses equal the cluster's: no rewrite, no flapping.
    await sleep(1_000);
    const writesAtTakeover = statusWrites() - writesBefore;
    const gwAfter = await kget('gateway', 'quickstart', 'default');
    expect(gwAfter.status).toEqual(gwBefore.status);
    expect(writesAtTakeover).toBe(0);
    expect(await answeredBy(AGENT, PORT, '/v2/x')).toBe('echo-api');

    // A change made after the kill reaches status and traffic.
    const changed = Date.now();
    await env.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: after-takeover, namespace: default}
spec:
  parentRefs: [{name: quickstart}]
  rules: [{matches: [{path: {type: PathPrefix, value: /after}}], backendRefs: [{name: echo-v2, port: 80}]}]
`);
    await waitFor('/after served by echo-v2', async () => ((await answeredBy(AGENT, PORT, '/after')) === 'echo-v2' ? true : undefined), 5_000, 20);
    const route = await waitFor('after-takeover: Accepted=True', async () => {
      const p = (await kget('httproute', 'after-takeover', 'default')).status?.parents?.[0] as RouteParentStatus | undefined;
      return condition(p?.conditions, 'Accepted')?.status === 'True' ? p : undefined;
    }, 5_000);
    expect(condition(route.conditions, 'ResolvedRefs')?.status).toBe('True');
    const gw = await kget('gateway', 'quickstart', 'default');
    expect(gw.status.listeners[0].attachedRoutes).toBe(5); // v2, canary, api, missing-backend, after-takeover
    console.log(
      `leader killed: Lease held by controller-b after ${(takeoverMs / 1000).toFixed(1)} s (its controller built after ${(builtMs / 1000).toFixed(1)} s); ` +
        `status writes by the new leader before any change: ${writesAtTakeover}; a change after the kill served in ${Date.now() - changed} ms`,
    );
  }, 45_000);

  it('a second Gateway on the same port: the agents\' address is taken, so it reads Programmed=False and the first keeps serving', async () => {
    await env.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: second, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: ${PORT}, protocol: HTTP, hostname: second.example}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: second, namespace: default}
spec:
  parentRefs: [{name: second}]
  rules: [{backendRefs: [{name: echo-v2, port: 80}]}]
`);
    const programmed = await waitFor('Gateway second: Programmed=False', async () => {
      const c = condition((await kget('gateway', 'second', 'default')).status?.conditions, 'Programmed');
      return c?.status === 'False' && /already used/.test(c.message ?? '') ? c : undefined;
    }, 10_000, 200);
    expect(programmed.message).toContain(`${AGENT}:${PORT} is already used by gateway default/quickstart`);
    // It is bound nowhere, so it lists no address; the first keeps the agent's.
    expect((await kget('gateway', 'second', 'default')).status.addresses ?? []).toEqual([]);
    const first = await kget('gateway', 'quickstart', 'default');
    expect(first.status.addresses).toEqual([{ type: 'IPAddress', value: AGENT }]);
    expect(condition(first.status.conditions, 'Programmed')?.status).toBe('True');
    expect(await answeredBy(AGENT, PORT, '/v2/x')).toBe('echo-api');
  }, 20_000);
});
