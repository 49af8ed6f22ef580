/**
 * Hub and spokes through the CLI a user runs: `portway nats-config` (TLS, one NATS user per
 * cluster), `portway controller`, two `portway agent`s of two clusters, placement by annotation,
 * `portway status`, the per-cluster permissions tried with an agent's real credentials, and
 * `portway diff` / `portway rollback` against the bus history.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, EndpointReport, NatsBus } from '@portway/bus';
import { HubEnv } from './hub/hub-env.js';
import { echoService, gateway, gatewayClass, route } from './hub/manifests.js';
import { adminGet, cli, cliBuilt, isReady, sleep, waitFor } from './hub/processes.js';

const EAST = '127.0.74.1';
const WEST = '127.0.74.2';
const SPY = '127.0.74.3';
const BACKEND = '127.0.74.11';
const SHOP = 18400;
const INTERNAL = 18401;

async function get(address: string, port: number, path: string): Promise<number | string> {
  try {
    const res = await fetch(`http://${address}:${port}${path}`);
    await res.arrayBuffer();
    return res.status;
  } catch (e) {
    return ((e as Error).cause as { code?: string } | undefined)?.code ?? 'error';
  }
}

describe.skipIf(!cliBuilt)('hub and spokes through the CLI (TLS, per-cluster credentials)', () => {
  let env: HubEnv;
  let hub: NatsBus;
  const shopRoute = (path: string) => route('shop', 'shop', path);
  const internalRoute = (path: string) => route('internal', 'internal', path);
  const writeRoutes = (shop: string, internal: string) => env.write('routes.yaml', [shopRoute(shop), internalRoute(internal)].join('---\n'));
  const portway = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...extraEnv } });
  const natsArgs = () => env.natsArgs(env.hub);

  beforeAll(async () => {
    env = await HubEnv.start({
      clusters: ['east', 'west'],
      backends: [{ address: BACKEND, pod: 'echo-0' }],
      files: {
        'base.yaml': [gatewayClass, gateway('shop', SHOP), gateway('internal', INTERNAL, 'west'), echoService([BACKEND])].join('---\n'),
        'routes.yaml': [shopRoute('/v1'), internalRoute('/i1')].join('---\n'),
      },
    });
    await env.startController();
    await Promise.all([env.startAgent({ cluster: 'east', name: 'e1', address: EAST, workers: 0 }), env.startAgent({ cluster: 'west', name: 'w1', address: WEST, workers: 0 })]);
    hub = await env.bus();
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('serves a Gateway without placement in both clusters, one placed on west only there; portway status shows it', async () => {
    await waitFor('shop in both clusters', async () => ((await get(EAST, SHOP, '/v1')) === 200 && (await get(WEST, SHOP, '/v1')) === 200 ? true : undefined));
    await waitFor('internal in west', async () => ((await get(WEST, INTERNAL, '/i1')) === 200 ? true : undefined));
    expect(await get(EAST, INTERNAL, '/i1')).toBe('ECONNREFUSED');
    const out = await waitFor('portway status with both Gateways programmed', () => {
      const r = portway(['status', '--admin', env.controllerAdmin]);
      return /Gateway\s+default\s+shop\s+.*Programmed=True address=127\.0\.74\.1,127\.0\.74\.2/.test(r.stdout) && /Gateway\s+default\s+internal\s+.*Programmed=True address=127\.0\.74\.2\n/.test(r.stdout) ? r.stdout : undefined;
    });
    console.log(out.split('\n').filter((l) => /Gateway /.test(l)).join('\n'));
    const agentStatus = (await adminGet<{ gateways: { gateway: string; infrastructure: unknown }[] }>(env.agents.get('w1')!.admin, '/status')).body;
    expect(agentStatus.gateways.map((g) => g.gateway)).toEqual(['default/internal', 'default/shop']);
    expect(agentStatus.gateways[0]!.infrastructure).toEqual({ labels: { team: 'edge' }, annotations: { 'portway.dev/note': 'internal from the hub tests' } });
  });

  it("an agent of east cannot read west's config nor write west's endpoints or acks (its real credentials)", async () => {
    const east = await env.bus('east');
    // East reads its own cluster…
    let eastSynced = false;
    const stopEast = east.watchConfigs('east', () => undefined, { onSynced: () => (eastSynced = true) });
    await waitFor('east synced', () => (eastSynced ? true : undefined));
    stopEast();
    // …but not west's: no entry, never synced; listing and reading by key are refused.
    const seen: string[] = [];
    let westSynced = false;
    const stopWest = east.watchConfigs('west', ({ key }) => seen.push(key.name), { onSynced: () => (westSynced = true) });
    await expect(east.listConfigs('west')).rejects.toThrow();
    await expect(east.configAt({ cluster: 'west', namespace: 'default', name: 'internal' }, 1)).rejects.toThrow();
    await sleep(1_000);
    stopWest();
    expect(seen).toEqual([]);
    expect(westSynced).toBe(false);

    // Endpoint reports: its own cluster's go through, west's are refused and never stored.
    const report = (cluster: string): EndpointReport => ({ cluster, namespace: 'default', service: 'echo', at: 1, ports: [{ port: 3000, protocol: 'TCP' }], endpoints: [{ address: BACKEND, ready: true, healthy: true }], exportedAt: '2025-01-01T00:00:00Z' });
    await east.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, report('east'));
    await expect(east.putEndpoints({ cluster: 'west', namespace: 'default', service: 'echo' }, report('west'))).rejects.toThrow();
    const stored: string[] = [];
    const stopEndpoints = hub.watchEndpoints(({ key, report: r }) => r && stored.push(key.cluster));
    // Acks: one for its own cluster arrives, one claiming west does not leave the client.
    const acks: string[] = [];
    const stopAcks = hub.onAck((a) => acks.push(`${a.cluster}/${a.agent}`));
    const ack = (cluster: string): Ack => ({ agent: 'e1-spy', cluster, gateway: { namespace: 'default', name: 'internal' }, revision: 1, hash: 'h', ok: false, listenersBound: [], errors: [] });
    await east.publishAck(ack('west'));
    await east.publishAck(ack('east'));
    await waitFor('east ack and endpoints at the hub', () => (acks.includes('east/e1-spy') && stored.includes('east') ? true : undefined));
    await sleep(300);
    stopEndpoints();
    stopAcks();
    expect(acks).toEqual(['east/e1-spy']);
    expect(stored).toEqual(['east']);

    // The CLI agent started for west with east's credentials never serves nor reports ready.
    const spy = await env.startAgent({ cluster: 'west', name: 'spy', address: SPY, workers: 0, credsOf: 'east' }, false);
    // Its watch of west's configs is refused by the server (the consumer's filter is not granted).
    await spy.proc.waitForLog(/[Pp]ermissions? [Vv]iolation for Publish to .{0,4}\$JS\.API\.CONSUMER\.CREATE\.KV_portway-config\.[^ ]*\$KV\.portway-config\.west\./, 15_000);
    await sleep(300);
    const ready = await isReady(spy.admin);
    const log = spy.proc.log();
    await spy.proc.stop();
    env.agents.delete('spy');
    console.log(`agent for west with east's credentials: ready=${ready}; ${log.match(/[Pp]ermissions? [Vv]iolation for Publish to .{0,4}\$JS\.API\.CONSUMER[^ "\\]*/)?.[0] ?? 'no permission message'}`);
    expect(ready).toBe(false);
    expect(log).toMatch(/[Pp]ermissions? [Vv]iolation/);
    expect(await get(SPY, INTERNAL, '/i1')).toBe('ECONNREFUSED');
  }, 30_000);

  it('portway diff shows what an edit changed; --list lists revisions per cluster; errors are clear', async () => {
    writeRoutes('/v2', '/i1');
    await waitFor('v2 served in both clusters', async () => ((await get(EAST, SHOP, '/v2')) === 200 && (await get(WEST, SHOP, '/v2')) === 200 ? true : undefined));
    const diff = portway(['diff', '--admin', env.controllerAdmin, '--gateway', 'default/shop', '--cluster', 'east']);
    expect(diff.status).toBe(0);
    console.log(diff.stdout);
    expect(diff.stdout).toMatch(/^Gateway default\/shop, cluster east: revision \d+ \(generation 1, .*\) → revision \d+ \(generation 1, .*\): \d+ lines? added, \d+ removed\n/);
    expect(diff.stdout).toMatch(/^-\s+value: \/v1$/m);
    expect(diff.stdout).toMatch(/^\+\s+value: \/v2$/m);
    const { args, env: passwordEnv } = natsArgs();
    const list = portway(['diff', ...args, '--gateway', 'default/shop', '--list'], passwordEnv);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/Gateway default\/shop, cluster east\nREVISION\s+GENERATION\s+CREATED\s+HASH\n\d+/);
    expect(list.stdout).toMatch(/Gateway default\/shop, cluster west\n/);
    const missing = portway(['diff', '--admin', env.controllerAdmin, '--gateway', 'default/nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('portway diff: Gateway default/nope has no config on the bus (is it accepted, and does a cluster serve it?)\n');
    const bad = portway(['diff', '--gateway', 'shop']);
    expect(bad.stderr).toBe('portway diff: --gateway "shop": expected namespace/name\n');
  }, 30_000);

  it('portway rollback restores an older revision in its cluster; it holds through unrelated changes and a controller restart, and ends when the Gateway changes', async () => {
    const key = { cluster: 'east', namespace: 'default', name: 'shop' };
    const history = await hub.configHistory(key);
    const v1 = history.at(-2)!.revision;
    const { args, env: passwordEnv } = natsArgs();
    const rb = portway(['rollback', ...args, '--gateway', 'default/shop', '--to-generation', String(v1)], passwordEnv);
    console.log(rb.stdout);
    expect(rb.status).toBe(0);
    expect(rb.stdout).toMatch(new RegExp(`^Gateway default/shop in cluster east: the config of revision ${v1} is published again as revision \\d+`));
    await waitFor('east serving v1 again', async () => ((await get(EAST, SHOP, '/v1')) === 200 ? true : undefined));
    expect(await get(WEST, SHOP, '/v2')).toBe(200); // west is another cluster's config
    const held = async () => (await adminGet<{ gateways: Record<string, { heldByRollback: string[] }> }>(env.controllerAdmin, '/agents')).body.gateways['default/shop']!.heldByRollback;
    expect(await held()).toEqual(['east']);
    const note = await waitFor('status noting the rollback', async () => {
      const { body } = await adminGet<{ objects: { kind: string; metadata: { name: string }; status?: { conditions?: { type: string; status: string; message: string }[] } }[] }>(env.controllerAdmin, '/status');
      const c = body.objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'shop')?.status?.conditions?.find((x) => x.type === 'Programmed');
      return c?.status === 'True' && /not published by the controller/.test(c.message) ? c.message : undefined;
    });
    console.log(`status during the rollback: ${note}`);
    const same = portway(['diff', '--admin', env.controllerAdmin, '--gateway', 'default/shop', '--cluster', 'east', '--from', String(v1), '--to', String((await hub.configHistory(key)).at(-1)!.revision)]);
    expect(same.stdout).toMatch(/have the same content/);

    // An unrelated change (another Gateway's route): the rollback holds.
    writeRoutes('/v2', '/i2');
    await waitFor('internal edit served', async () => ((await get(WEST, INTERNAL, '/i2')) === 200 ? true : undefined));
    expect(await get(EAST, SHOP, '/v1')).toBe(200);
    // A controller restart: the hold is on the bus, it still holds, nothing is republished.
    await env.controller!.stop();
    await env.startController();
    await sleep(300);
    expect(await get(EAST, SHOP, '/v1')).toBe(200);
    expect(await held()).toEqual(['east']);
    const counters = (await adminGet<{ bus: { kvPuts: number } }>(env.controllerAdmin, '/counters')).body;
    expect(counters.bus.kvPuts).toBe(0);
    // The Gateway's own configuration changes: the controller publishes its build, the hold ends.
    writeRoutes('/v3', '/i2');
    await waitFor('east serving v3', async () => ((await get(EAST, SHOP, '/v3')) === 200 ? true : undefined));
    expect(await get(EAST, SHOP, '/v1')).toBe(404);
    expect(await held()).toEqual([]);
    const bad = portway(['rollback', ...args, '--gateway', 'default/shop', '--to-generation', '999999'], passwordEnv);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^portway rollback: no cluster holds revision 999999 of Gateway default\/shop \(clusters: east, west\); see portway diff --list\n$/);
  }, 60_000);
});
