import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assembleConfig,
  canonicalJson,
  canonicalText,
  configHash,
  contentHash,
  deepFreeze,
  isMissingShards,
  SHARDS_API_VERSION,
  ShardAssemblyError,
  shardConfig,
  shardId,
  validateConfigManifest,
  validateConfigShard,
  validateGatewayConfig,
  type ConfigShard,
  type GatewayConfig,
  type VirtualHost,
} from './index.js';
import { buildConfig } from './__fixtures__/build-config.js';

function roundTrip(config: GatewayConfig, options?: Parameters<typeof shardConfig>[1]) {
  const sharded = shardConfig(config, options);
  const out = assembleConfig(sharded.manifest, (id) => sharded.shards.get(id));
  return { sharded, out };
}

/** Shard ids of `after` that `before` did not have: what a bus must upload for the edit. */
const newShards = (before: string[], after: string[]) => after.filter((id) => !before.includes(id)).length;

describe('shardConfig / assembleConfig', () => {
  it('round-trips a config with every listener kind, exactly', () => {
    const config = buildConfig(40, 5);
    expect(validateGatewayConfig(config)).toEqual([]);
    const { sharded, out } = roundTrip(config, { targetShardBytes: 2048 });
    expect(out).toEqual(config);
    expect(contentHash(out)).toBe(contentHash(config));
    expect(Object.keys((out as GatewayConfig).backends)).toContain('__proto__');
    expect(sharded.manifest.shards.length).toBeGreaterThan(5);
  });

  it('writes a small manifest naming the gateway, the full hash and content-addressed shards', () => {
    const config = buildConfig(10, 3);
    const { manifest, shards, shardBytes } = shardConfig(config);
    expect(validateConfigManifest(manifest)).toEqual([]);
    expect(manifest).toMatchObject({ apiVersion: SHARDS_API_VERSION, gateway: config.gateway, hash: configHash(config) });
    for (const id of manifest.shards) {
      const text = shardBytes.get(id)!;
      expect(createHash('sha256').update(text).digest('hex').startsWith(id)).toBe(true);
      expect(shardId(shards.get(id)!)).toBe(id);
      expect(validateConfigShard(JSON.parse(text))).toEqual([]);
    }
    // Same config, same shards: publishing is idempotent.
    expect(shardConfig(structuredClone(config)).manifest).toEqual(manifest);
  });

  it('keeps every shard under the cap unless a single item is larger', () => {
    const config = buildConfig(200, 10);
    const big = 'x'.repeat(20_000);
    config.backends['Service/ns0/svc-0-0:8080']!.tls = { serverName: big };
    const { sharded, out } = roundTrip(config, { targetShardBytes: 4096, maxShardBytes: 8192 });
    expect(out).toEqual(config);
    for (const [id, text] of sharded.shardBytes) {
      if (Buffer.byteLength(text) > 8192 + 64) expect(sharded.shards.get(id)!.items).toHaveLength(1);
    }
    const sizes = [...sharded.shardBytes.values()].map((t) => Buffer.byteLength(t));
    expect(Math.max(...sizes)).toBeGreaterThan(20_000); // the oversized item has a shard of its own
  });

  it('changes one shard (rarely two) when one route changes, is added or removed', () => {
    const base = buildConfig(150, 8);
    const before = shardConfig(base).manifest.shards;
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const edited = structuredClone(base);
      const vh = (edited.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts[(i * 37) % 150]!;
      if (i % 3 === 0) vh.rules[i % 8]!.backends[0]!.weight = 7; // edit a rule
      else if (i % 3 === 1) vh.matches[i % 8]!.path.value += '/v2'; // edit a match
      else vh.rules.push({ ...vh.rules[0]!, id: `HTTPRoute/x/new-${i}/0` }); // add a rule (no match yet)
      const { out, sharded } = roundTrip(edited);
      counts.push(newShards(before, sharded.manifest.shards));
      expect(sharded.manifest.hash).toBe(configHash(edited));
      expect(isMissingShards(out)).toBe(false); // assembleConfig checked the assembled hash against the manifest's
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(counts.filter((c) => c === 1).length).toBeGreaterThanOrEqual(18);
  });

  it('does not shift later shards when a rule is inserted in a large virtual host', () => {
    const config = buildConfig(1, 3000); // one host, 3000 rules: spans many shards
    const before = shardConfig(config).manifest.shards;
    expect(before.length).toBeGreaterThan(10);
    const vh = (config.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts[0]!;
    vh.rules.splice(10, 0, { ...vh.rules[10]!, id: 'HTTPRoute/x/inserted/0' });
    vh.matches = vh.matches.map((m) => ({ ...m, rule: m.rule >= 10 ? m.rule + 1 : m.rule }));
    vh.matches.splice(5, 0, { rule: 10, path: { type: 'Exact', value: '/inserted' } });
    const { out, sharded } = roundTrip(config);
    expect(newShards(before, sharded.manifest.shards)).toBeLessThanOrEqual(3);
    expect(out).toEqual(config);
  });

  it('keeps rule indexes when rule ids are not unique within a virtual host', () => {
    const config = buildConfig(2, 3);
    const vh = (config.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts[1]!;
    vh.rules[2] = { ...vh.rules[2]!, id: vh.rules[0]!.id };
    vh.matches.push({ rule: 9, path: { type: 'Exact', value: '/dangling' } }); // invalid IR, still carried exactly
    expect(roundTrip(config, { targetShardBytes: 256 }).out).toEqual(config);
  });

  it('reports missing shards instead of assembling part of a config', () => {
    const { manifest, shards } = shardConfig(buildConfig(50, 4), { targetShardBytes: 1024 });
    const lost = new Set([manifest.shards[1]!, manifest.shards[3]!]);
    const out = assembleConfig(manifest, (id) => (lost.has(id) ? undefined : shards.get(id)));
    expect(isMissingShards(out)).toBe(true);
    expect((out as { missing: string[] }).missing.sort()).toEqual([...lost].sort());
  });

  it('refuses shards that do not assemble into the manifest hash, or are malformed', () => {
    const config = buildConfig(5, 2);
    const { manifest, shards } = shardConfig(config, { targetShardBytes: 512 });
    const tampered = new Map([...shards].map(([id, s]) => [id, structuredClone(s)]));
    const first = tampered.get(manifest.shards[0]!)!;
    (first.items[0]!.h as { cluster: string }).cluster = 'west';
    expect(() => assembleConfig(manifest, (id) => tampered.get(id))).toThrow(ShardAssemblyError);
    expect(() => assembleConfig(manifest, (id) => tampered.get(id))).toThrow(/manifest says sha256:/);

    const bad: ConfigShard[] = [
      { items: [{ t: 'port', p: { port: 1 } }] },
      { items: [{ t: 'head', h: {} }, { t: 'vhost', v: {} }] },
      { items: [{ t: 'head', h: {} }, { t: 'mystery' }] },
      { items: [{ t: 'head', h: 'not an object' }] },
      { items: [{ t: 'backend', k: 'a', b: {} }] },
    ];
    for (const shard of bad) {
      const m = { ...manifest, shards: [shardId(shard)] };
      expect(() => assembleConfig(m, () => shard)).toThrow(ShardAssemblyError);
    }
    expect(validateConfigManifest({ ...manifest, shards: ['not-hex'] })).not.toEqual([]);
    expect(validateConfigShard({ items: [] })).not.toEqual([]);
  });

  it('serializes exactly as canonicalJson does', () => {
    const config = buildConfig(20, 3);
    expect(canonicalText(config)).toBe(canonicalJson(config));
    const odd = { 10: 'ten', 9: 'nine', '01': 'x', b: [1, undefined, () => 1, NaN, -0, 1e21, 'é\u2028"'], a: { toJSON: () => ({ z: 1, y: undefined }) }, c: undefined, d: new Date(0), e: null };
    expect(canonicalText(odd)).toBe(canonicalJson(odd));
    expect(canonicalText(undefined)).toBe('null');
  });

  it('rejects nonsense input with clear errors', () => {
    expect(() => shardConfig({} as GatewayConfig)).toThrow(/not a GatewayConfig/);
    expect(() => shardConfig(buildConfig(1, 1), { targetShardBytes: 10 })).toThrow(RangeError);
  });

  it('builds only the form asked for (only), with the same manifest and texts', () => {
    for (const config of [buildConfig(300, 3), deepFreeze(JSON.parse(JSON.stringify(buildConfig(300, 3))) as GatewayConfig)]) {
      const all = shardConfig(config, { targetShardBytes: 2048 });
      const items = shardConfig(config, { targetShardBytes: 2048, only: 'items' });
      const bytes = shardConfig(config, { targetShardBytes: 2048, only: 'bytes' });
      expect(all.shards.size).toBeGreaterThan(5);
      expect(items.manifest).toEqual(all.manifest);
      expect(bytes.manifest).toEqual(all.manifest);
      expect(items.shardItems).toEqual(all.shardItems);
      expect(items.shards.size + items.shardBytes.size).toBe(0);
      expect(bytes.shardBytes).toEqual(all.shardBytes);
      expect(bytes.shards.size + bytes.shardItems.size).toBe(0);
      // A holder that has some shards: the same ones are left out.
      const held = new Set([...all.shards.keys()].slice(0, 3));
      expect([...shardConfig(config, { targetShardBytes: 2048, only: 'items', have: (id) => held.has(id) }).shardItems.keys()]).toEqual(
        [...all.shards.keys()].filter((id) => !held.has(id)),
      );
    }
  });
});

