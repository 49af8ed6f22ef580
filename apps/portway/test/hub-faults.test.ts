/**
 * Hub and spokes under faults, end to end: a real nats-server (TLS, per-cluster users from
 * `portway nats-config`), the built `portway controller` and `portway agent` processes (one
 * proxy worker each), real echo backends and real traffic. Each test prints its request counts
 * and failures; every one expects 0 failures.
 *
 *   1. nats-server killed (-9) and restarted while traffic flows; a change made meanwhile arrives.
 *   2. An agent killed and restarted: serves the latest config before it reports ready; requests
 *      after ready never fail; a client retrying on connection errors over both agents sees none.
 *   3. The controller restarted: nothing republished, Programmed stays true, traffic untouched.
 *   4. An invalid config written to the bus directly: nacked, the old config keeps serving, the
 *      Gateway's status says why.
 *   5. 20 consecutive edits of the route under load: 0 non-2xx; an open WebSocket survives.
 *   6. An agent joining after 100 changes serves exactly the latest revision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { NatsBus } from '@portway/bus';
import { HubEnv } from './hub/hub-env.js';
import { describeLoad, Load, type LoadTarget } from './hub/load.js';
import { echoService, gateway, gatewayClass, route } from './hub/manifests.js';
import { adminGet, cliBuilt, sleep, waitFor } from './hub/processes.js';

const PORT = 18200;
const A1 = '127.0.72.1';
const A2 = '127.0.72.2';
const A3 = '127.0.72.3';
const BACKENDS = ['127.0.72.11', '127.0.72.12'];
const GW = { cluster: 'east', namespace: 'default', name: 'gw' };

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface StatusBody {
  objects: { kind: string; metadata: { name: string }; status?: { conditions?: Cond[]; addresses?: { value: string }[] } }[];
}

const routes = (edit: number) => [route('stable', 'gw', '/stable'), route('load', 'gw', '/load', { name: 'x-edit', value: String(edit) }), route('ws', 'gw', '/ws')].join('---\n');

/** The value of x-edit served on /load by the agent at `address` (undefined when not serving). */
async function servedEdit(address: string): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${address}:${PORT}/load`);
    await res.arrayBuffer();
    return res.ok ? (res.headers.get('x-edit') ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(!cliBuilt)('hub and spokes under faults (real nats-server, controller, agents, traffic)', () => {
  let env: HubEnv;
  let hub: NatsBus;
  let edit = 0;
  const agent = (name: string, address: string) => ({ cluster: 'east', name, address });
  const targets: LoadTarget[] = [A1, A2].map((host) => ({ host, port: PORT }));

  const programmed = async (): Promise<Cond | undefined> => {
    const { body } = await adminGet<StatusBody>(env.controllerAdmin, '/status');
    return body.objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'gw')?.status?.conditions?.find((c) => c.type === 'Programmed');
  };
  const gatewayAddresses = async () => {
    const { body } = await adminGet<StatusBody>(env.controllerAdmin, '/status');
    return body.objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'gw')?.status?.addresses?.map((a) => a.value) ?? [];
  };
  /** Writes the next edit of the /load route and waits until `addresses` serve it. */
  const nextEdit = async (addresses: string[], timeoutMs = 15_000) => {
    edit++;
    env.write('routes.yaml', routes(edit));
    const want = String(edit);
    for (const a of addresses) await waitFor(`${a} serving edit ${want}`, async () => ((await servedEdit(a)) === want ? true : undefined), timeoutMs, 10);
    return want;
  };
  const latestRevision = async () => (await hub.configHistory(GW)).at(-1)!.revision;

  beforeAll(async () => {
    env = await HubEnv.start({
      clusters: ['east'],
      backends: BACKENDS.map((address, i) => ({ address, pod: `echo-${i}` })),
      files: { 'base.yaml': [gatewayClass, gateway('gw', PORT), echoService(BACKENDS)].join('---\n'), 'routes.yaml': routes(0) },
    });
    await env.startController();
    await Promise.all([env.startAgent(agent('a1', A1)), env.startAgent(agent('a2', A2))]);
    await waitFor('both agents serving', async () => ((await servedEdit(A1)) === '0' && (await servedEdit(A2)) === '0' ? true : undefined));
    await waitFor('Programmed=True', async () => ((await programmed())?.status === 'True' ? true : undefined));
    hub = await env.bus();
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('reports Programmed from both agents, and their addresses', async () => {
    const c = (await programmed())!;
    expect(c.message).toMatch(/^cluster east: Served at revision \d+ by 2 agents: east\/a1, east\/a2$/);
    expect(await gatewayAddresses()).toEqual([A1, A2]);
  });

  it('1. nats-server killed -9 and restarted under traffic: 0 failed requests; the change made meanwhile arrives', async () => {
    const load = new Load({ targets, path: '/stable', concurrency: 4 });
    await sleep(300);
    await env.nats.kill('SIGKILL');
    const want = String(edit + 1);
    edit++;
    env.write('routes.yaml', routes(edit)); // made while NATS is down
    await sleep(1_000);
    expect(await servedEdit(A1)).toBe(String(edit - 1)); // agents keep serving what they have
    await env.nats.restart();
    for (const a of [A1, A2]) await waitFor(`${a} catching up to edit ${want}`, async () => ((await servedEdit(a)) === want ? true : undefined), 20_000, 25);
    await sleep(300);
    const r = await load.stop();
    console.log(describeLoad('nats-server kill -9 + restart', r));
    expect(r.requests).toBeGreaterThan(50);
    expect(r.failures).toEqual([]);
    await waitFor('Programmed=True again', async () => ((await programmed())?.status === 'True' ? true : undefined), 15_000);
  }, 60_000);

  it('2. an agent killed and restarted: latest config before ready, no failure after ready, none behind a retrying client', async () => {
    const retrying = new Load({ targets, path: '/stable', concurrency: 4, retryOnConnectionError: true });
    await sleep(300);
    await env.agents.get('a1')!.proc.stop('SIGKILL');
    const want = await nextEdit([A2]); // a1 misses it
    const behind = await waitFor('Programmed naming a1 as behind', async () => {
      const c = await programmed();
      return c?.status === 'False' && /east\/a1/.test(c.message) ? c : undefined;
    });
    console.log(`while a1 is down: Programmed=${behind.status} (${behind.reason}): ${behind.message}`);
    await env.startAgent(agent('a1', A1)); // returns once /readyz says ready
    const first = await servedEdit(A1); // the first request after ready
    const direct = new Load({ targets: [{ host: A1, port: PORT }], path: '/load', concurrency: 4 }, 'x-edit');
    await sleep(1_500);
    const afterReady = await direct.stop();
    const r = await retrying.stop();
    console.log(describeLoad('agent a1 after it reported ready', afterReady));
    console.log(describeLoad('client retrying over a1 and a2 while a1 was killed and restarted', r));
    expect(first).toBe(want);
    expect([...afterReady.seen.keys()]).toEqual([want]);
    expect(afterReady.failures).toEqual([]);
    expect(r.requests).toBeGreaterThan(50);
    expect(r.failures).toEqual([]);
    await waitFor('Programmed=True with a1 back', async () => ((await programmed())?.status === 'True' ? true : undefined), 15_000);
  }, 60_000);

  it('3. the controller restarted: no config republished, status rebuilt from heartbeats, traffic untouched', async () => {
    const before = await hub.configHistory(GW);
    const load = new Load({ targets, path: '/stable', concurrency: 4 });
    await sleep(300);
    await env.controller!.stop('SIGTERM');
    await sleep(500);
    await env.startController();
    const c = await programmed(); // the first status of the new controller
    const counters = (await adminGet<{ controller: { puts: number; unchangedPuts: number }; bus: { kvPuts: number } }>(env.controllerAdmin, '/counters')).body;
    await sleep(500);
    const r = await load.stop();
    const after = await hub.configHistory(GW);
    console.log(describeLoad('controller restart', r));
    console.log(`controller restart: ${counters.controller.puts} configs built, ${counters.controller.unchangedPuts} unchanged, ${counters.bus.kvPuts} KV puts; revisions ${before.at(-1)!.revision} → ${after.at(-1)!.revision}`);
    expect(counters.bus.kvPuts).toBe(0);
    expect(counters.controller.unchangedPuts).toBe(counters.controller.puts);
    expect(after.map((x) => x.revision)).toEqual(before.map((x) => x.revision));
    expect(c?.status).toBe('True');
    expect(r.failures).toEqual([]);
  }, 60_000);

  it('4. an invalid config published on the bus: nacked, the old config keeps serving, the status says why', async () => {
    const current = (await hub.listConfigs('east')).find((e) => e.key.name === 'gw')!;
    const load = new Load({ targets, path: '/load', concurrency: 4 }, 'x-edit');
    const bad = structuredClone(current.config);
    bad.ports[0]!.port = 70_000;
    const entry = await hub.putConfig(GW, bad);
    const c = await waitFor('Programmed=False naming the refusal', async () => {
      const p = await programmed();
      return p?.status === 'False' && p.message.includes(`refused revision ${entry.revision}`) ? p : undefined;
    });
    const agentStatus = (await adminGet<{ gateways: { revision: number; refused?: { revision: number; errors: { message: string }[] } }[] }>(env.agents.get('a1')!.admin, '/status')).body;
    await sleep(500);
    const r = await load.stop();
    console.log(describeLoad('invalid config on the bus', r));
    console.log(`status: Programmed=${c.status} (${c.reason}): ${c.message}`);
    expect(c.reason).toBe('Invalid');
    expect(c.message).toMatch(/east\/a1/);
    expect(c.message).toMatch(/65535/);
    expect(agentStatus.gateways[0]!.revision).toBe(current.revision);
    expect(agentStatus.gateways[0]!.refused?.revision).toBe(entry.revision);
    expect([...r.seen.keys()]).toEqual([String(edit)]);
    expect(r.failures).toEqual([]);
    // The next change of the Gateway's objects publishes the controller's build again.
    await nextEdit([A1, A2]);
    await waitFor('Programmed=True after the next build', async () => ((await programmed())?.status === 'True' ? true : undefined), 15_000);
  }, 60_000);

  it('5. 20 consecutive edits of the route under load: 0 non-2xx; an open WebSocket survives', async () => {
    const ws = new WebSocket(`ws://${A1}:${PORT}/ws`, { origin: 'http://hub-tests.example' });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let closed = false;
    ws.on('close', () => (closed = true));
    const echo = (text: string) =>
      new Promise<string>((resolve, reject) => {
        ws.once('message', (d: Buffer) => resolve(d.toString()));
        ws.send(text, (e) => e && reject(e));
      });
    expect(await echo('before')).toBe('before');
    const load = new Load({ targets, path: '/load', concurrency: 4 }, 'x-edit');
    const first = edit + 1;
    for (let i = 0; i < 20; i++) await nextEdit([A1, A2]);
    const r = await load.stop();
    const reply = await echo('after 20 edits');
    ws.close();
    console.log(describeLoad('20 route edits under load', r));
    console.log(`websocket: ${closed ? 'closed' : 'open'} through the edits, echo after them: "${reply}"`);
    expect(r.non2xx + r.errors).toBe(0);
    expect(r.seen.get(String(edit))).toBeGreaterThan(0);
    expect([...r.seen.keys()].every((k) => Number(k) >= first - 1 && Number(k) <= edit)).toBe(true);
    expect(closed).toBe(false);
    expect(reply).toBe('after 20 edits');
  }, 60_000);

  it('6. an agent joining after 100 changes serves exactly the latest revision', async () => {
    const changes = async () => {
      const c = (await adminGet<{ controller: { puts: number; unchangedPuts: number } }>(env.controllerAdmin, '/counters')).body.controller;
      return c.puts - c.unchangedPuts;
    };
    const before = await changes();
    for (let i = 0; i < 100; i++) await nextEdit([A1]);
    const published = (await changes()) - before;
    const latest = await latestRevision();
    const a3 = await env.startAgent(agent('a3', A3));
    const first = await servedEdit(A3);
    const status = (await adminGet<{ gateways: { gateway: string; revision: number; generation: number; infrastructure: { labels: Record<string, string> } }[] }>(a3.admin, '/status')).body;
    console.log(`late agent: ${published} changes published before it started; a3 serves revision ${status.gateways[0]?.revision} (latest ${latest}), edit ${first} (latest ${edit})`);
    expect(published).toBe(100);
    expect(status.gateways).toEqual([expect.objectContaining({ gateway: 'default/gw', revision: latest, infrastructure: { labels: { team: 'edge' }, annotations: { 'portway.dev/note': 'gw from the hub tests' } } })]);
    expect(first).toBe(String(edit));
    await waitFor('Programmed=True with three agents', async () => {
      const c = await programmed();
      return c?.status === 'True' && /3 agents/.test(c.message) ? true : undefined;
    });
    expect(await gatewayAddresses()).toEqual([A1, A2, A3]);
    await a3.proc.stop('SIGTERM');
    // A clean stop says goodbye: nobody waits for a3 any more.
    await waitFor('a3 no longer waited for', async () => {
      const c = await programmed();
      return c?.status === 'True' && /2 agents/.test(c.message) ? true : undefined;
    }, 5_000);
  }, 90_000);
});
