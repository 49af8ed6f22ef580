/**
 * Rollback holds, the heartbeat fields a controller rebuilds status from, and closing while the
 * server is away, on a real nats-server: holds are stored next to the configs, listed per cluster, deleted, never seen by
 * an agent's watch; heartbeats carry addresses and outcomes end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '@portway/testing';
import type { ConfigEntry, ConfigPin, Heartbeat } from '../types.js';
import { contractConfig, eventually } from './__fixtures__/bus-contract.js';
import { NatsBus } from './nats-bus.js';

describe('NatsBus rollback holds and heartbeat outcomes', () => {
  let server: NatsServer;
  let hub: NatsBus;

  beforeAll(async () => {
    server = await startNatsServer();
    hub = await NatsBus.connect({ servers: server.url, manageBuckets: true, onError: () => undefined });
  });
  afterAll(async () => {
    await hub?.close();
    await server?.stop();
  });

  it('stores, lists per cluster and deletes holds; a watch of the configs never sees them', async () => {
    const east = { cluster: 'east', namespace: 'default', name: 'gw' };
    const west = { cluster: 'west', namespace: 'default', name: 'gw' };
    const entry = await hub.putConfig(east, contractConfig(1, 'east'));
    const seen: (ConfigEntry | null)[] = [];
    let synced = false;
    const stop = hub.watchConfigs('east', ({ entry: e }) => seen.push(e), { onSynced: () => (synced = true) });
    const pin = (key: typeof east): ConfigPin => ({ key, restoredRevision: entry.revision, hash: entry.hash, supersededHash: 'abc', at: '2025-01-01T00:00:00Z' });
    await hub.putPin(pin(east));
    await hub.putPin(pin(west));
    expect((await hub.listPins()).map((p) => p.key.cluster)).toEqual(['east', 'west']);
    expect(await hub.listPins('west')).toEqual([pin(west)]);
    await hub.deletePin(west);
    await hub.deletePin(west); // deleting what is not there is fine
    expect(await hub.listPins()).toEqual([pin(east)]);
    await eventually(() => expect(synced).toBe(true));
    expect(seen.map((e) => e?.revision)).toEqual([entry.revision]);
    expect(await hub.configKeys()).toEqual([east]);
    expect(await hub.configKeys('west')).toEqual([]);
    const other = { cluster: 'east', namespace: 'default', name: 'gone' };
    await hub.putConfig(other, contractConfig(1, 'east'));
    expect(await hub.configKeys('east')).toEqual([other, east]);
    await hub.deleteConfig(other);
    expect(await hub.configKeys('east')).toEqual([east]);
    stop();
  });

  it('lists holds another process puts and deletes, once they come through, and its own at once', async () => {
    const key = { cluster: 'north', namespace: 'default', name: 'gw' };
    const entry = await hub.putConfig(key, contractConfig(1, 'north'));
    const pin: ConfigPin = { key, restoredRevision: entry.revision, hash: entry.hash, supersededHash: 'def', at: '2025-01-01T00:00:00Z' };
    expect(await hub.listPins('north')).toEqual([]);
    const cli = await NatsBus.connect({ servers: server.url, onError: () => undefined });
    try {
      await cli.putPin(pin);
      await eventually(async () => expect(await hub.listPins('north')).toEqual([pin]));
      await cli.deletePin(key);
      await eventually(async () => expect(await hub.listPins('north')).toEqual([]));
      // Its own writes count at once, whatever the follower has delivered so far.
      for (let i = 0; i < 5; i++) {
        await hub.putPin(pin);
        expect(await hub.listPins('north')).toEqual([pin]);
        await hub.deletePin(key);
        expect(await hub.listPins('north')).toEqual([]);
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(await hub.listPins('north')).toEqual([]);
    } finally {
      await cli.close();
    }
  });

  it('closes promptly while the server is away', async () => {
    const other = await startNatsServer();
    let disconnected = false;
    const bus = await NatsBus.connect({
      servers: other.url,
      manageBuckets: true,
      onError: () => undefined,
      reconnectBackoff: { minMs: 50, maxMs: 200 },
      onStatus: (s) => (disconnected ||= s.type === 'disconnect'),
    });
    const hubOther = await NatsBus.connect({ servers: other.url, manageBuckets: true, onError: () => undefined });
    await hubOther.putConfig({ cluster: 'east', namespace: 'default', name: 'gw' }, contractConfig(1, 'east'));
    await hubOther.close();
    let synced = false;
    bus.watchConfigs('east', () => undefined, { onSynced: () => (synced = true) });
    await eventually(() => expect(synced).toBe(true));
    await other.kill();
    await eventually(() => expect(disconnected).toBe(true));
    await bus.publishHeartbeat({ agent: 'a1', cluster: 'east', at: 1, serving: {}, ready: true, stopping: true });
    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await other.stop();
  });

  it('carries heartbeat addresses, outcomes and the stopping flag', async () => {
    const beats: Heartbeat[] = [];
    const stop = hub.onHeartbeat((h) => beats.push(h));
    const hb: Heartbeat = {
      agent: 'a1',
      cluster: 'east',
      at: 1,
      serving: { 'infra/edge': { revision: 3, hash: 'h' } },
      ready: true,
      addresses: ['127.0.0.5'],
      outcomes: { 'infra/edge': { revision: 4, hash: 'h2', ok: false, listenersBound: [], errors: [{ reason: 'Invalid', message: 'bad' }] } },
      stopping: true,
    };
    await hub.publishHeartbeat(hb);
    await eventually(() => expect(beats).toEqual([hb]));
    stop();
  });
});
