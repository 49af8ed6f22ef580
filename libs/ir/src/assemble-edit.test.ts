/**
 * `assembleConfig` with the previous config and manifest: an edit confined to whole virtual hosts
 * of one listener is spliced into the previous config; any edit gives the config a full assembly
 * gives.
 */
import { describe, expect, it } from 'vitest';
import { buildConfig } from './__fixtures__/build-config.js';
import {
  assembleConfig,
  configHash,
  deepFreeze,
  isMissingShards,
  shardConfig,
  virtualHostEdit,
  type ConfigManifest,
  type ConfigShard,
  type GatewayConfig,
  type VirtualHost,
} from './index.js';

type Http = { virtualHosts: VirtualHost[] };
const vhostsOf = (c: GatewayConfig) => (c.ports[0]!.listeners[0] as unknown as Http).virtualHosts;

/** A copy of `config` whose first listener has `vhosts`; everything else shared. */
function withVhosts(config: GatewayConfig, vhosts: VirtualHost[]): GatewayConfig {
  const [first, ...rest] = config.ports;
  return deepFreeze({ ...config, ports: [{ ...first!, listeners: [{ ...first!.listeners[0]!, virtualHosts: vhosts } as GatewayConfig['ports'][0]['listeners'][0], ...first!.listeners.slice(1)] }, ...rest] });
}

const edited = (vh: VirtualHost, tag: string): VirtualHost => deepFreeze({ ...vh, matches: vh.matches.map((m, i) => (i === 0 ? { ...m, path: { ...m.path, value: `${m.path.value}-${tag}` } } : m)) });

/** What a worker holds: shards decoded from their text (frozen), by id. */
class Held {
  readonly shards = new Map<string, ConfigShard>();
  take(config: GatewayConfig): ConfigManifest {
    const s = shardConfig(config, { targetShardBytes: 4096, have: (id) => this.shards.has(id) });
    for (const [id, text] of s.shardBytes) this.shards.set(id, deepFreeze(JSON.parse(text) as ConfigShard));
    return s.manifest;
  }
  assemble(manifest: ConfigManifest, previous?: GatewayConfig, previousManifest?: ConfigManifest): GatewayConfig {
    const c = assembleConfig(manifest, (id) => this.shards.get(id), previous, previousManifest);
    if (isMissingShards(c)) throw new Error('missing shards');
    return c;
  }
}

describe('assembleConfig of an edit', () => {
  const base = deepFreeze(buildConfig(120, 4));
  const hosts = vhostsOf(base);
  const edits: [string, VirtualHost[]][] = [
    ['one virtual host changed', hosts.map((v, i) => (i === 57 ? edited(v, 'a') : v))],
    ['two far apart', hosts.map((v, i) => (i === 3 || i === 110 ? edited(v, 'b') : v))],
    ['one inserted', [...hosts.slice(0, 40), edited(hosts[40]!, 'new'), ...hosts.slice(40)]],
    ['one removed', [...hosts.slice(0, 80), ...hosts.slice(81)]],
    ['the last one changed', hosts.map((v, i) => (i === hosts.length - 1 ? edited(v, 'c') : v))],
    ['a repeated object', hosts.map((v, i) => (i === 9 ? hosts[8]! : v))],
  ];

  for (const [what, vhosts] of edits) {
    it(`gives what a full assembly gives: ${what}`, () => {
      const held = new Held();
      const m1 = held.take(base);
      const c1 = deepFreeze(held.assemble(m1));
      const next = withVhosts(base, vhosts);
      const m2 = held.take(next);
      const incremental = held.assemble(m2, c1, m1);
      const full = held.assemble(m2);
      expect(incremental).toEqual(full);
      expect(incremental).toEqual(next);
      expect(configHash(incremental)).toBe(m2.hash);
      expect(Object.isFrozen(incremental)).toBe(true);
    });
  }

  it('says which virtual host changed, and keeps the objects of the others', () => {
    const held = new Held();
    const m1 = held.take(base);
    const c1 = deepFreeze(held.assemble(m1));
    const m2 = held.take(withVhosts(base, hosts.map((v, i) => (i === 57 ? edited(v, 'a') : v))));
    const c2 = held.assemble(m2, c1, m1);
    // Parts outside the edited listener are the previous config's.
    expect(c2.ports[1]).toBe(c1.ports[1]);
    expect(c2.backends).toBe(c1.backends);
    const edit = virtualHostEdit(c2.ports[0]!.listeners[0]!);
    expect(edit?.base).toBe(c1.ports[0]!.listeners[0]);
    // The changed shard's other virtual hosts were decoded anew: they count as changed here
    // (a worker gives them back their held objects first), the rest are the same objects.
    expect(edit?.changed).toContain(57);
    expect(edit!.changed.length).toBeLessThan(10);
    const same = vhostsOf(c2).filter((v, i) => v === vhostsOf(c1)[i]).length;
    expect(same).toBe(hosts.length - edit!.changed.length);
    // A generation bump changes the head shard: assembled in full, still right.
    const m3 = held.take(deepFreeze({ ...withVhosts(base, vhostsOf(c2)), gateway: { ...base.gateway, generation: 4 } }));
    const c3 = held.assemble(m3, c2, m2);
    expect(c3.gateway.generation).toBe(4);
    expect(configHash(c3)).toBe(m3.hash);
  });
});

describe('shardConfig with remembered item texts', () => {
  it('gives the same manifest and shards as without, before and after an edit', () => {
    const texts = new WeakMap<object, string>();
    const base = deepFreeze(buildConfig(60, 3));
    const next = withVhosts(base, vhostsOf(base).map((v, i) => (i === 20 ? edited(v, 'x') : v)));
    for (const config of [base, next, base]) {
      const a = shardConfig(config, { targetShardBytes: 2048, texts });
      const b = shardConfig(structuredClone(config), { targetShardBytes: 2048 });
      expect(a.manifest).toEqual(b.manifest);
      expect(a.shardBytes).toEqual(b.shardBytes);
      for (const [id, items] of a.shardItems) expect(`{"items":[${items.join(',')}]}`).toBe(a.shardBytes.get(id));
    }
  });
});
