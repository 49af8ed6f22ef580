/**
 * NatsBus against a real nats-server (loopback, one server per test): large configs, what one
 * edit republishes, late watchers, server kill -9 and restart, history and garbage collection,
 * missing and corrupt data, and the effect layer.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { Effect } from 'effect';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configHash, contentHash, shardConfig, type GatewayConfig } from '@portway/ir';
import { editRoute, generateLargeGatewayConfig, routeNames, startNatsServer, type NatsServer } from '@portway/testing';
import type { ConfigEntry } from '../types.js';
import { contractConfig, eventually } from './__fixtures__/bus-contract.js';
import type { ConnectionStatus } from './connection.js';
import { BusDataError, NatsConnectError } from './errors.js';
import { CONFIG_BUCKET, manifestKey, shardKey } from './keys.js';
import { BusService, NatsBusLive } from './nats-bus-layer.js';
import { NatsBus, type NatsBusOptions } from './nats-bus.js';

const key = { cluster: 'east', namespace: 'infra', name: 'edge' };

/** A loopback TCP forwarder to `targetPort` that can be shut (connections dropped and refused) and opened again. */
async function tcpGate(targetPort: number) {
  let isOpen = true;
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    if (!isOpen) return client.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    port: (proxy.address() as AddressInfo).port,
    shut() {
      isOpen = false;
      for (const s of sockets) s.destroy();
    },
    open() {
      isOpen = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => proxy.close(() => r()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NatsBus on a real nats-server', () => {
  let server: NatsServer;
  const buses: NatsBus[] = [];
  const connections: NatsConnection[] = [];
  let errors: unknown[];

  beforeEach(async () => {
    server = await startNatsServer();
    errors = [];
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await server.stop();
  });

  const open = async (options: Partial<NatsBusOptions> = {}) => {
    const bus = await NatsBus.connect({ servers: server.url, onError: (e) => errors.push(e), ...options });
    buses.push(bus);
    return bus;
  };
  const controller = (options: Partial<NatsBusOptions> = {}) => open({ manageBuckets: true, name: 'controller', ...options });
  const agent = (options: Partial<NatsBusOptions> = {}) => open({ name: 'agent', ...options });
  const rawKv = async (): Promise<KV> => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return new Kvm(nc).open(CONFIG_BUCKET);
  };
  const errorText = () => errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n');
  /** Puts `count` successive edits of a 100-route config (edit `i` changes route `pick(i)`); returns the last config. */
  const putEdits = async (hub: NatsBus, seed: number, count: number, pick: (i: number) => number, from = 0) => {
    const names = routeNames(generateLargeGatewayConfig({ routes: 100, seed, cluster: 'east' }));
    let config = generateLargeGatewayConfig({ routes: 100, seed, cluster: 'east' });
    for (let i = 0; i < from + count; i++) {
      config = editRoute(config, names[pick(i) % names.length]!, i);
      if (i >= from) await hub.putConfig(key, config);
    }
    return config;
  };
  /** Every revision the history lists can still be rebuilt (no shard it needs was purged), and nothing was reported. */
  const expectHistoryIntact = async (hub: NatsBus) => {
    for (const h of await hub.configHistory(key)) await hub.configAt(key, h.revision);
    expect(errorText()).toBe('');
  };

  it('carries a 10,000-route config intact; one route edit puts one shard and the manifest; unchanged puts nothing', async () => {
    const hub = await controller();
    const spoke = await agent();
    const seen: ConfigEntry[] = [];
    let synced = false;
    spoke.watchConfigs('east', ({ entry }) => entry && seen.push(entry), { onSynced: () => (synced = true) });
    await eventually(() => expect(synced).toBe(true));

    const config = generateLargeGatewayConfig({ routes: 10_000, seed: 11, cluster: 'east' });
    let started = performance.now();
    const first = await hub.putConfig(key, config);
    const putMs = performance.now() - started;
    const afterFirst = hub.stats();
    await eventually(() => expect(seen.map((e) => e.revision)).toEqual([first.revision]), 60_000);
    const firstPropagationMs = performance.now() - started;
    expect(contentHash(seen[0]!.config)).toBe(contentHash(config));
    expect(seen[0]!.hash).toBe(first.hash);
    const shardCount = shardConfig(config).manifest.shards.length;
    expect(afterFirst.manifestPuts).toBe(1);
    expect(afterFirst.shardPuts).toBe(new Set(shardConfig(config).manifest.shards).size);

    const edited = editRoute(config, routeNames(config)[1234]!, 1);
    const fetchedBefore = spoke.stats().shardsFetched;
    started = performance.now();
    const second = await hub.putConfig(key, edited);
    const afterEdit = hub.stats();
    await eventually(() => expect(seen.map((e) => e.revision)).toEqual([first.revision, second.revision]), 60_000);
    const editPropagationMs = performance.now() - started;
    const editPuts = afterEdit.kvPuts - afterFirst.kvPuts;
    const editShards = afterEdit.shardPuts - afterFirst.shardPuts;
    expect(afterEdit.manifestPuts - afterFirst.manifestPuts).toBe(1);
    expect(editShards).toBeGreaterThanOrEqual(1);
    expect(editShards).toBeLessThanOrEqual(2);
    expect(editPuts).toBe(editShards + 1);
    // The agent fetched only what changed: its cache holds the rest.
    expect(spoke.stats().shardsFetched - fetchedBefore).toBe(editShards);
    expect(contentHash(seen[1]!.config)).toBe(contentHash(edited));

    const third = await hub.putConfig(key, edited);
    expect(third).toMatchObject({ changed: false, revision: second.revision });
    expect(hub.stats().kvPuts).toBe(afterEdit.kvPuts);

    console.log(
      'nats bus figures at 10,000 routes:',
      JSON.stringify({ shards: shardCount, firstPuts: afterFirst.kvPuts, putMs: Math.round(putMs), firstPropagationMs: Math.round(firstPropagationMs), editPuts, editPropagationMs: Math.round(editPropagationMs) }),
    );
    expect(errorText()).toBe('');
  }, 180_000);

  it('after a controller restart, republishes nothing that is unchanged', async () => {
    const config = generateLargeGatewayConfig({ routes: 500, seed: 9, cluster: 'east' });
    const before = await (await controller()).putConfig(key, config);
    await buses.pop()!.close();
    const restarted = await controller();
    const again = await restarted.putConfig(key, structuredClone(config));
    expect(again).toMatchObject({ changed: false, revision: before.revision, hash: before.hash });
    expect(restarted.stats().kvPuts).toBe(0);
    const edited = await restarted.putConfig(key, editRoute(config, routeNames(config)[7]!));
    expect(edited.changed).toBe(true);
    // Its first put in the cluster lists the stored shards once, then writes only the new ones.
    expect(restarted.stats().shardPuts).toBeLessThanOrEqual(2);
  });

  it('two writers of one key: each put lands on top of the other\'s, the latest is what the bucket holds', async () => {
    const a = await controller();
    const b = await controller();
    const config = (n: number) => contractConfig(n, 'east');
    const watched: (ConfigEntry | null)[] = [];
    const reader = await controller();
    const first = await a.putConfig(key, config(1));
    const second = await b.putConfig(key, config(2)); // a's memory of the key is now stale
    const third = await a.putConfig(key, config(3));
    expect([first.changed, second.changed, third.changed]).toEqual([true, true, true]);
    expect(third.revision).toBeGreaterThan(second.revision);
    expect(await a.putConfig(key, config(3))).toMatchObject({ changed: false, revision: third.revision });
    const stop = reader.watchConfigs('east', ({ entry }) => watched.push(entry));
    await eventually(() => expect(watched.at(-1)?.hash).toBe(configHash(config(3))));
    stop();
  });

  it('gives a watcher that starts after 100 changes exactly the latest revision', async () => {
    const hub = await controller({ gcEvery: 0 });
    let last = 0;
    for (let g = 1; g <= 100; g++) last = (await hub.putConfig(key, contractConfig(g))).revision;
    await hub.putConfig({ ...key, name: 'gone' }, contractConfig(1));
    await hub.deleteConfig({ ...key, name: 'gone' });
    const seen: (ConfigEntry | null)[] = [];
    const spoke = await agent();
    spoke.watchConfigs('east', ({ entry }) => seen.push(entry));
    await eventually(() => expect(seen).toHaveLength(1));
    await sleep(300);
    expect(seen).toHaveLength(1); // nothing older, and no deletion of a key it never saw
    expect(seen[0]).toMatchObject({ revision: last, config: contractConfig(100) });
  });

  it('keeps at least 10 revisions: configHistory lists them, configAt rebuilds each, GC spares their shards', async () => {
    const hub = await controller({ gcEvery: 0, shardOptions: { targetShardBytes: 2048 } });
    const base = generateLargeGatewayConfig({ routes: 300, seed: 2, cluster: 'east' });
    const names = routeNames(base);
    const hashes = new Map<number, string>();
    let config = base;
    for (let i = 0; i < 15; i++) {
      config = editRoute(config, names[(i * 17) % names.length]!, i);
      const e = await hub.putConfig(key, config);
      hashes.set(e.revision, e.hash);
    }
    const history = await hub.configHistory(key);
    expect(history).toHaveLength(10);
    const revisions = [...hashes.keys()];
    expect(history.map((h) => h.revision)).toEqual(revisions.slice(-10));
    expect(history.every((h) => h.created instanceof Date && h.manifest.hash === hashes.get(h.revision))).toBe(true);

    const { purged } = await hub.collectGarbage('east');
    expect(purged).toBeGreaterThan(0); // shards only the 5 dropped revisions used
    for (const h of history) expect(configHash(await hub.configAt(key, h.revision))).toBe(hashes.get(h.revision));
    await expect(hub.configAt(key, revisions[0]!)).rejects.toThrow(/no revision/);
    expect((await hub.collectGarbage('east')).purged).toBe(0);

    // A controller asking for a longer history raises it on the existing bucket.
    const longer = await controller({ history: 20 });
    for (let i = 0; i < 12; i++) await longer.putConfig(key, editRoute(config, names[i]!, 100 + i));
    expect(await longer.configHistory(key)).toHaveLength(20);

    // An agent can follow the latest revision after the collection.
    const spoke = await agent();
    const seen: ConfigEntry[] = [];
    spoke.watchConfigs('east', ({ entry }) => entry && seen.push(entry));
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.revision).toBe((await longer.configHistory(key)).at(-1)!.revision);
  });

  it('collects garbage by itself after gcEvery changes, never shards still referenced', async () => {
    const hub = await controller({ gcEvery: 3, shardOptions: { targetShardBytes: 1024 } });
    await putEdits(hub, 4, 14, (i) => i);
    await eventually(() => expect(hub.stats().shardsPurged).toBeGreaterThan(0));
    await expectHistoryIntact(hub);
  });

  it('purges at most gcMaxPurges shards per collection; the next ones purge the rest, never a referenced shard', async () => {
    const hub = await controller({ gcEvery: 0, gcMaxPurges: 2, shardOptions: { targetShardBytes: 1024 } });
    await putEdits(hub, 6, 16, (i) => i * 13);
    const runs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const { purged } = await hub.collectGarbage('east');
      runs.push(purged);
      if (purged === 0) break;
    }
    expect(runs.length).toBeGreaterThan(2);
    expect(runs.every((n) => n <= 2)).toBe(true);
    expect(runs.at(-1)).toBe(0);
    await expectHistoryIntact(hub);
  });

  it('collects garbage while changes keep coming without a quiet moment, after ten times gcEvery changes', async () => {
    const hub = await controller({ gcEvery: 2, gcQuietMs: 600_000, shardOptions: { targetShardBytes: 1024 } });
    await putEdits(hub, 5, 19, (i) => i);
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.stats().shardsPurged).toBe(0); // due since the 2nd change, waiting for a quiet moment
    await putEdits(hub, 5, 1, (i) => i, 19); // the 20th change
    await eventually(() => expect(hub.stats().shardsPurged).toBeGreaterThan(0));
    await expectHistoryIntact(hub);
  });

  it('follows on after nats-server is killed (-9) and restarted, catching up with what changed meanwhile', async () => {
    const hub = await controller({ reconnectBackoff: { minMs: 50, maxMs: 200 } });
    // The agent reaches the server through a gate that stays shut after the restart, so the
    // controller's changes land while the agent is still away.
    const gate = await tcpGate(server.port);
    const statuses: ConnectionStatus[] = [];
    const spoke = await agent({ servers: `nats://127.0.0.1:${gate.port}`, reconnectBackoff: { minMs: 50, maxMs: 200 }, onStatus: (s) => statuses.push(s) });
    const seen: string[] = [];
    spoke.watchConfigs('east', ({ key: k, entry }) => seen.push(`${k.name}:${entry ? entry.config.gateway.generation : 'deleted'}`));
    await hub.putConfig(key, contractConfig(1));
    await hub.putConfig({ ...key, name: 'other' }, contractConfig(1));
    await eventually(() => expect([...seen].sort()).toEqual(['edge:1', 'other:1']));

    try {
      gate.shut();
      await server.kill('SIGKILL');
      await server.restart();
      await hub.putConfig(key, contractConfig(2)); // waits for the controller's reconnect
      await hub.putConfig(key, contractConfig(3));
      await hub.deleteConfig({ ...key, name: 'other' });
      await hub.putConfig({ ...key, name: 'new' }, contractConfig(1));
      await sleep(300);
      expect(seen).toHaveLength(2); // the agent is still away
      gate.open();
      await eventually(() => expect(seen.slice(2).sort()).toEqual(['edge:3', 'new:1', 'other:deleted']), 30_000);
      expect(statuses.map((s) => s.type)).toEqual(expect.arrayContaining(['disconnect', 'reconnect']));
      expect(seen.filter((v) => v.startsWith('edge:')).at(-1)).toBe('edge:3'); // caught up to the latest
      await hub.putConfig(key, contractConfig(4)); // and follows on
      await eventually(() => expect(seen.at(-1)).toBe('edge:4'));
    } finally {
      await gate.close();
    }
  }, 60_000);

  it('never hands out a partial config: waits for missing shards, and gives way to a newer manifest', async () => {
    await controller(); // creates the buckets
    const kv = await rawKv();
    const spoke = await agent();
    const seen: ConfigEntry[] = [];
    spoke.watchConfigs('east', ({ entry }) => entry && seen.push(entry));

    const put = async (config: GatewayConfig, skip: number | undefined) => {
      const { manifest, shardBytes } = shardConfig(config, { targetShardBytes: 1024 });
      const skipped = skip === undefined ? undefined : manifest.shards[skip]!;
      for (const [id, text] of shardBytes) if (id !== skipped) await kv.put(shardKey('east', id), text);
      const revision = await kv.put(manifestKey(key), JSON.stringify(manifest));
      return { revision, manifest, shardBytes, skipped };
    };
    const a = generateLargeGatewayConfig({ routes: 40, seed: 1, cluster: 'east' });
    const first = await put(a, 3);
    await sleep(500);
    expect(seen).toEqual([]);
    await kv.put(shardKey('east', first.skipped!), first.shardBytes.get(first.skipped!)!);
    await eventually(() => expect(seen.map((e) => e.revision)).toEqual([first.revision]));
    expect(contentHash(seen[0]!.config)).toBe(contentHash(a));

    const b = generateLargeGatewayConfig({ routes: 40, seed: 2, cluster: 'east' });
    const c = generateLargeGatewayConfig({ routes: 40, seed: 3, cluster: 'east' });
    const second = await put(b, 0); // never completed
    const third = await put(c, undefined);
    await eventually(() => expect(seen.map((e) => e.revision)).toEqual([first.revision, third.revision]));
    await sleep(300);
    expect(seen.map((e) => e.revision)).not.toContain(second.revision);
    expect(contentHash(seen[1]!.config)).toBe(contentHash(c));
  });

  it('refuses undecodable manifests, corrupt shards, and messages whose subject and body disagree', async () => {
    const hub = await controller();
    const kv = await rawKv();
    const spoke = await agent();
    const seen: ConfigEntry[] = [];
    spoke.watchConfigs('east', ({ entry }) => entry && seen.push(entry));

    await kv.put(manifestKey({ ...key, name: 'garbage' }), 'not json');
    await kv.put(manifestKey({ ...key, name: 'shapeless' }), JSON.stringify({ apiVersion: 'nope' }));
    const config = contractConfig(5);
    const { manifest, shardBytes } = shardConfig(config);
    const [id] = manifest.shards;
    await kv.put(shardKey('east', id!), shardBytes.get(id!)!.replace('127.0.0.1', '127.6.6.6')); // does not match its id
    await kv.put(manifestKey(key), JSON.stringify(manifest));
    await eventually(() => expect(errorText()).toMatch(/does not match its id/));
    expect(errorText()).toMatch(/garbage.*refused: not JSON/);
    expect(errorText()).toMatch(/shapeless.*refused/);
    expect(errors.every((e) => e instanceof BusDataError)).toBe(true);
    expect(seen).toEqual([]);
    await kv.put(shardKey('east', id!), shardBytes.get(id!)!); // repaired: the retry picks it up
    await eventually(() => expect(seen.map((e) => e.config)).toEqual([config]));

    const acks: unknown[] = [];
    hub.onAck((a) => acks.push(a));
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    const ack = { agent: 'a1', cluster: 'west', gateway: { namespace: 'infra', name: 'edge' }, revision: 1, hash: 'h', ok: true, listenersBound: [], errors: [] };
    nc.publish('portway.ack.east.a1', JSON.stringify(ack)); // body claims cluster west
    nc.publish('portway.ack.east.a1', '{"agent":'); // not JSON
    nc.publish('portway.ack.east.a1', JSON.stringify({ ...ack, cluster: 'east' }));
    await eventually(() => expect(acks).toHaveLength(1));
    expect(acks[0]).toMatchObject({ cluster: 'east', agent: 'a1' });
    expect(errorText()).toMatch(/message of west\/a1 on portway.ack.east.a1 refused/);
    expect(errorText()).toMatch(/not JSON/);
    await expect(hub.putEndpoints({ cluster: 'east', namespace: 'ns', service: 's' }, { cluster: 'west', namespace: 'ns', service: 's', at: 1, exportedAt: '', ports: [], endpoints: [] })).rejects.toThrow(/put under/);
  });

  it('lets an agent start before the controller made the buckets', async () => {
    const spoke = await agent();
    const seen: ConfigEntry[] = [];
    let synced = false;
    spoke.watchConfigs('east', ({ entry }) => entry && seen.push(entry), { onSynced: () => (synced = true) });
    await sleep(300);
    expect(synced).toBe(false);
    const hub = await controller();
    const put = await hub.putConfig(key, contractConfig(1));
    await eventually(() => expect(seen.map((e) => e.revision)).toEqual([put.revision]));
    expect(synced).toBe(true);
  });

  it('carries clusters, namespaces and names that are not plain subject tokens', async () => {
    const hub = await controller();
    const odd = { cluster: '', namespace: 'team.a', name: 'gw*>=é' };
    const put = await hub.putConfig(odd, contractConfig(1, ''));
    expect((await hub.listConfigs('')).map((e) => e.key)).toEqual([odd]);
    const seen: ConfigEntry[] = [];
    (await agent()).watchConfigs('', ({ entry }) => entry && seen.push(entry));
    await eventually(() => expect(seen.map((e) => [e.key, e.revision])).toEqual([[odd, put.revision]]));
  });

  it('fails to connect with a clear error', async () => {
    const port = server.port;
    await server.stop();
    const error = await NatsBus.connect({ servers: `nats://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NatsConnectError);
    expect((error as Error).message).toContain(`nats://127.0.0.1:${port}`);
    await expect(NatsBus.connect({ servers: `nats://127.0.0.1:${port}`, history: 3 })).rejects.toThrow(/history must be/);
    await expect(NatsBus.connect({ servers: `nats://127.0.0.1:${port}`, credsFile: '/nonexistent/portway.creds' })).rejects.toThrow(/invalid NATS connection options: .*nonexistent/);
    await expect(NatsBus.connect({ servers: [] })).rejects.toThrow(/no NATS server given/);
    server = await startNatsServer(); // for afterEach
  });

  it('is an effect service: NatsBusLive acquires the connection and closes it with the scope', async () => {
    let inside: NatsBus | undefined;
    const revision = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* BusService;
          inside = bus as NatsBus;
          return (yield* Effect.promise(() => bus.putConfig(key, contractConfig(1)))).revision;
        }).pipe(Effect.provide(NatsBusLive({ servers: server.url, manageBuckets: true }))),
      ),
    );
    expect(revision).toBeGreaterThan(0);
    await expect(inside!.putConfig(key, contractConfig(2))).rejects.toThrow('bus is closed');
    const failed = await Effect.runPromise(
      Effect.scoped(BusService.pipe(Effect.provide(NatsBusLive({ servers: 'nats://127.0.0.1:1' })))).pipe(Effect.flip),
    );
    expect(failed._tag).toBe('NatsConnectError');
  });
});
