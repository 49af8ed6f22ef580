import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, type Bus, type ConfigEntry } from '@portway/bus';
import { IR_API_VERSION, type GatewayConfig } from '@portway/ir';
import { CacheBackedBus } from './cache-backed-bus.js';
import { ConfigCache } from './config-cache.js';

const config = (name: string, generation = 1): GatewayConfig =>
  ({ apiVersion: IR_API_VERSION, gateway: { namespace: 'infra', name, generation }, cluster: 'east', addresses: [], ports: [], backends: {} }) as unknown as GatewayConfig;
const entry = (name: string, revision: number, hash = `h-${name}-${revision}`): ConfigEntry => ({ key: { cluster: 'east', namespace: 'infra', name }, revision, hash, config: config(name, revision) });
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const until = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 200; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('ConfigCache', () => {
  const dirs: string[] = [];
  afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

  it('replaces the file atomically (no temporary file left) and reads it back; refuses a broken or foreign file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portway-cache-'));
    dirs.push(dir);
    const cache = new ConfigCache(dir);
    expect(await cache.load('east')).toBeUndefined();
    await cache.save('east', [entry('a', 1)]);
    await cache.save('east', [entry('a', 2), entry('b', 1)]);
    expect((await cache.load('east'))!.entries.map((e) => `${e.key.name}@${e.revision}`)).toEqual(['a@2', 'b@1']);
    expect(await readdir(dir)).toEqual(['configs-east.json']);
    await writeFile(cache.file('west'), '{"version":1,"cluster":"east","entries":[]}');
    await expect(cache.load('west')).rejects.toThrow(/not a version 1 cache of cluster "west"/);
    await writeFile(cache.file('west'), '{');
    await expect(cache.load('west')).rejects.toThrow(/is not JSON/);
  });
});

describe('CacheBackedBus', () => {
  const dirs: string[] = [];
  afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

  it('serves the cache when the bus is out of reach, then switches to what the bus holds and keeps the cache current', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portway-cache-'));
    dirs.push(dir);
    const cache = new ConfigCache(dir);
    await cache.save('east', [entry('a', 1), entry('gone', 1)]);
    const real = new InProcessBus();
    await real.putConfig({ cluster: 'east', namespace: 'infra', name: 'a' }, config('a', 5));
    let reachable = false;
    let attempts = 0;
    const bus = new CacheBackedBus({
      cache,
      log: quiet,
      fallbackMs: 30,
      retry: { minMs: 10, maxMs: 20 },
      connect: async (): Promise<Bus> => {
        attempts++;
        if (!reachable) throw new Error('no route to the hub');
        return real;
      },
    });
    const seen: string[] = [];
    let synced = 0;
    bus.watchConfigs('east', ({ key, entry: e }) => seen.push(`${key.name}${e ? `@g${e.config.gateway.generation}` : ':deleted'}`), { onSynced: () => synced++ });
    await until('the cached configs', () => synced === 1);
    expect(seen).toEqual(['a@g1', 'gone@g1']);
    expect(bus.usedCache()).toBe(true);
    expect(bus.servingCache()).toBe(true);
    await expect(bus.publishAck({} as never)).rejects.toThrow(/not connected to the bus yet/);

    reachable = true;
    await until('the bus state', () => seen.length === 4);
    expect(seen.slice(2)).toEqual(['a@g5', 'gone:deleted']);
    expect(synced).toBe(1);
    expect(bus.servingCache()).toBe(false);
    expect(attempts).toBeGreaterThan(1);
    await real.putConfig({ cluster: 'east', namespace: 'infra', name: 'b' }, config('b', 2));
    await until('the cache holding a and b', () => seen.includes('b@g2'));
    for (let i = 0; i < 100; i++) {
      const text = await readFile(cache.file('east'), 'utf8');
      if (text.includes('"name":"b"') && !text.includes('"name":"gone"')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const cached = await cache.load('east');
    expect(cached!.entries.map((e) => `${e.key.name}@g${e.config.gateway.generation}`).sort()).toEqual(['a@g5', 'b@g2']);
    await bus.close();
  });

  it('does not touch the cache when the bus hands over its configs in time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portway-cache-'));
    dirs.push(dir);
    const cache = new ConfigCache(dir);
    await cache.save('east', [entry('old', 1)]);
    const real = new InProcessBus();
    await real.putConfig({ cluster: 'east', namespace: 'infra', name: 'a' }, config('a', 3));
    const bus = new CacheBackedBus({ cache, log: quiet, fallbackMs: 5_000, connect: async () => real });
    const seen: string[] = [];
    let synced = false;
    bus.watchConfigs('east', ({ key, entry: e }) => seen.push(`${key.name}${e ? '' : ':deleted'}`), { onSynced: () => (synced = true) });
    await until('synced', () => synced);
    expect(seen).toEqual(['a']);
    expect(bus.usedCache()).toBe(false);
    await bus.close();
  });
});
