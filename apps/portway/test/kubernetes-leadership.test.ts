/**
 * Leadership lost and regained by one `portway controller --provider kubernetes` process: another
 * holder is written into the Lease, so the leader cannot renew; past its renew deadline it steps
 * down, stops its controller (nothing is published meanwhile) and campaigns again; when the
 * intruder's Lease expires it leads again — a new controller on the same, still-synced cache — and
 * the change made while it stood by reaches status and traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEcho, type EchoServer } from '@portway/echo';
import { freePort, kubectlAvailable, startKubeEnvironment, startNatsServer, type KubeEnvironment, type NatsServer } from '@portway/testing';
import { echoService, gatewayClass, route as echoRoute } from './hub/manifests.js';
import { CliProcess, cliBuilt, isReady, sleep, waitFor } from './hub/processes.js';
import { answeredBy, condition, httpGet, leaderView, startKubeController, type KubeCondition, type KubeControllerReplica } from './support/kube-hub.js';

const hasKubectl = kubectlAvailable();
const AGENT = '127.0.98.1';
const BACKEND = '127.0.98.11';
const PORT = 18980;
const skipReason = !cliBuilt ? ' (skipped: run npm run build first)' : !hasKubectl ? ' (skipped: kubectl is not installed)' : '';

const manifests = (routePath: string) => `${gatewayClass}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portway
  listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
---
${echoService([BACKEND])}---
${echoRoute('web', 'gw', routePath)}`;

describe.skipIf(!cliBuilt || !hasKubectl)(`a controller that loses the Lease stands by, and leads again later${skipReason}`, () => {
  let env: KubeEnvironment;
  let nats: NatsServer;
  let echo: EchoServer;
  let a: KubeControllerReplica;
  let agent: CliProcess;
  const holder = async () => (parse(await env.getYaml('lease', 'portway-controller', 'default')) as { spec: { holderIdentity?: string } }).spec.holderIdentity;

  beforeAll(async () => {
    env = await startKubeEnvironment();
    nats = await startNatsServer();
    echo = await startEcho({ host: BACKEND, httpPort: 3000, h2cPort: null, podName: 'echo-0', namespace: 'default', log: () => undefined });
    a = await startKubeController({ identity: 'controller-a', kubeconfig: env.kubeconfigPath, nats: nats.url, leaseNamespace: 'default' });
    await waitFor('controller-a leading', async () => ((await leaderView(a)).leading ? true : undefined), 20_000);
    const admin = `127.0.0.1:${await freePort()}`;
    agent = new CliProcess('agent', ['agent', '--cluster', 'e2e', '--name', 'agent-1', '--address', AGENT, '--workers', '0', '--admin', admin, '--heartbeat-ms', '500', '--nats', nats.url]).start();
    await waitFor('agent /readyz', () => (agent.running() ? isReady(admin).then((r) => (r ? true : undefined)) : Promise.reject(new Error(agent.log()))), 30_000);
    await env.apply(manifests('/one'));
    await waitFor('/one served', async () => ((await answeredBy(AGENT, PORT, '/one')) === 'echo-0' ? true : undefined), 10_000);
  }, 90_000);

  afterAll(async () => {
    await agent?.stop('SIGTERM', 5_000);
    await a?.proc.stop('SIGTERM', 5_000);
    await echo?.close();
    await nats?.stop();
    await env?.close();
  }, 30_000);

  it('steps down when another holder takes the Lease, stands by, and leads again with a new controller', async () => {
    const lease = env.server.get('coordination.k8s.io/v1', 'Lease', 'default', 'portway-controller')!;
    const renewTime = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    env.server.update({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime } });
    const taken = Date.now();
    await a.proc.waitForLog(/stepping down/, 15_000);
    await a.proc.waitForLog(/not leading: controller stopped, standing by/, 5_000);
    const steppedDownMs = Date.now() - taken;
    expect((await leaderView(a)).leading).toBe(false);
    // Traffic does not depend on the controller.
    expect(await answeredBy(AGENT, PORT, '/one')).toBe('echo-0');

    // A change while nobody leads: nothing publishes it…
    await env.apply(manifests('/two'));
    const changedAt = Date.now();
    const builds = a.proc.lines(/configuration built/).length;
    await sleep(500);
    expect((await httpGet(AGENT, PORT, '/two')).status).toBe(404);
    expect(a.proc.lines(/configuration built/).length).toBe(builds);
    // …until the intruder's Lease expires and controller-a leads again, with a new controller.
    await waitFor('controller-a holds the Lease again', async () => ((await holder()) === 'controller-a' ? true : undefined), 20_000, 250);
    const regainedMs = Date.now() - taken;
    await waitFor('/two served after controller-a leads again', async () => ((await answeredBy(AGENT, PORT, '/two')) === 'echo-0' ? true : undefined), 10_000, 50);
    expect(a.proc.lines(/configuration built/).length).toBeGreaterThan(builds);
    const route = await waitFor('route status at the new generation', async () => {
      const r = parse(await env.getYaml('httproute', 'web', 'default')) as { metadata: { generation: number }; status?: { parents?: { conditions: KubeCondition[] }[] } };
      const accepted = condition(r.status?.parents?.[0]?.conditions, 'Accepted');
      return accepted?.status === 'True' && accepted.observedGeneration === r.metadata.generation ? r : undefined;
    }, 10_000, 250);
    expect(route.metadata.generation).toBe(2);
    expect(a.proc.lines(/leading: publishing configs and writing status/)).toHaveLength(2);
    console.log(
      `leadership lost and regained: stepped down ${(steppedDownMs / 1000).toFixed(1)} s after another holder took the Lease, ` +
        `led again after ${(regainedMs / 1000).toFixed(1)} s; the change made meanwhile was served ${Date.now() - changedAt} ms after it was applied`,
    );
  }, 60_000);
});
