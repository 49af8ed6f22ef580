/**
 * Frozen IR parts are remembered by `configHash`, `shardConfig` and `validateGatewayConfig`:
 * the results must be exactly those of a mutable copy, before and after an edit, and a part
 * reused in another config must be checked against that config.
 */
import { describe, expect, it } from 'vitest';
import {
  assembleConfig,
  configHash,
  contentHash,
  deepFreeze,
  isImmutable,
  isMissingShards,
  shardConfig,
  validateGatewayConfig,
  virtualHostHash,
  type GatewayConfig,
  type VirtualHost,
} from './index.js';
import { buildConfig } from './__fixtures__/build-config.js';

const vhostsOf = (c: GatewayConfig) => (c.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts;

/** A copy of a frozen config with virtual host `i` replaced (every other part is shared). */
function withVhost(config: GatewayConfig, i: number, vh: VirtualHost): GatewayConfig {
  const [first, ...rest] = config.ports;
  const listener = first!.listeners[0] as Extract<GatewayConfig['ports'][0]['listeners'][0], { protocol: 'HTTP' }>;
  const virtualHosts = listener.virtualHosts.map((v, j) => (j === i ? vh : v));
  return { ...config, ports: [{ ...first!, listeners: [{ ...listener, virtualHosts }, ...first!.listeners.slice(1)] }, ...rest] };
}

describe('deepFreeze', () => {
  it('freezes every object and array under a value, and mutation then throws', () => {
    const c = deepFreeze(buildConfig(3, 2));
    expect(isImmutable(c)).toBe(true);
    expect(Object.isFrozen(vhostsOf(c)[1]!.rules[0]!.backends)).toBe(true);
    expect(() => {
      (vhostsOf(c)[0]!.matches[0]!.path as { value: string }).value = '/x';
    }).toThrow(TypeError);
    expect(deepFreeze(null)).toBeNull();
    expect(isImmutable('text')).toBe(false);
  });
});

describe('configHash', () => {
  it('is a hash tree: equal content, equal hash; any change, another hash', () => {
    const a = buildConfig(20, 3);
    expect(configHash(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(configHash(structuredClone(a))).toBe(configHash(a));
    expect(configHash(deepFreeze(structuredClone(a)))).toBe(configHash(a));
    const b = structuredClone(a);
    vhostsOf(b)[7]!.rules[1]!.backends[0]!.weight = 9;
    expect(configHash(b)).not.toBe(configHash(a));
    const c = structuredClone(a);
    c.backends['Service/ns0/svc-0-0:8080']!.endpoints[0]!.ready = false;
    expect(configHash(c)).not.toBe(configHash(a));
    const d = structuredClone(a);
    d.gateway.generation = 4;
    expect(configHash(d)).not.toBe(configHash(a));
    // A virtual host's hash is the content hash of the virtual host.
    expect(virtualHostHash(vhostsOf(a)[3]!)).toBe(contentHash(vhostsOf(a)[3]!));
  });

  it('gives a frozen config that shares all but one part the hash of its mutable twin', () => {
    const frozen = deepFreeze(buildConfig(30, 4));
    const before = configHash(frozen);
    const replacement = deepFreeze({ ...structuredClone(vhostsOf(frozen)[12]!), hostname: 'edited.example.com' });
    const edited = withVhost(frozen, 12, replacement);
    const twin = structuredClone(edited);
    expect(configHash(edited)).toBe(configHash(twin));
    expect(configHash(edited)).not.toBe(before);
    expect(configHash(frozen)).toBe(before);
  });
});

describe('shardConfig with frozen parts', () => {
  it('gives the same manifest as for a mutable copy, before and after an edit, and assembles it', () => {
    const frozen = deepFreeze(buildConfig(120, 6));
    expect(shardConfig(frozen).manifest).toEqual(shardConfig(structuredClone(frozen)).manifest);
    // Twice: the second run reads remembered sizes and shard ids.
    expect(shardConfig(frozen).manifest).toEqual(shardConfig(structuredClone(frozen)).manifest);
    for (const i of [0, 57, 119]) {
      const vh = structuredClone(vhostsOf(frozen)[i]!);
      vh.rules[0]!.backends[0]!.weight = 5;
      const edited = withVhost(frozen, i, deepFreeze(vh));
      const sharded = shardConfig(edited);
      expect(sharded.manifest).toEqual(shardConfig(structuredClone(edited)).manifest);
      const out = assembleConfig(sharded.manifest, (id) => sharded.shards.get(id));
      expect(out).toEqual(edited);
    }
  });

  it('builds only the shards the caller does not have', () => {
    const frozen = deepFreeze(buildConfig(80, 5));
    const all = shardConfig(frozen);
    const stored = new Set(all.manifest.shards);
    const vh = structuredClone(vhostsOf(frozen)[40]!);
    vh.matches[0]!.path.value = '/changed';
    const edited = withVhost(frozen, 40, deepFreeze(vh));
    const delta = shardConfig(edited, { have: (id) => stored.has(id) });
    expect(delta.shards.size).toBeGreaterThanOrEqual(1);
    expect(delta.shards.size).toBeLessThanOrEqual(2);
    for (const id of delta.shards.keys()) expect(stored.has(id)).toBe(false);
    expect([...delta.shardBytes.keys()].sort()).toEqual([...delta.shards.keys()].sort());
    const out = assembleConfig(delta.manifest, (id) => delta.shards.get(id) ?? all.shards.get(id));
    expect(isMissingShards(out)).toBe(false);
    expect(out).toEqual(edited);
  });

  it('hands whole virtual hosts over as the very objects the shards hold', () => {
    const frozen = deepFreeze(buildConfig(40, 3));
    const { manifest, shards } = shardConfig(frozen);
    const a = assembleConfig(manifest, (id) => shards.get(id)) as GatewayConfig;
    const b = assembleConfig(manifest, (id) => shards.get(id)) as GatewayConfig;
    expect(vhostsOf(a)[5]).toBe(vhostsOf(b)[5]);
    expect(vhostsOf(a)[5]).toBe(vhostsOf(frozen)[5]);
  });
});

describe('validateGatewayConfig with frozen parts', () => {
  it('reports what it reports for a mutable copy, and checks a reused virtual host against its new config', () => {
    const frozen = deepFreeze(buildConfig(10, 3));
    expect(validateGatewayConfig(frozen)).toEqual([]);
    expect(validateGatewayConfig(frozen)).toEqual([]);
    // The same virtual hosts in a config that lacks one of their backends.
    const { ['Service/ns3/svc-3-1:8080']: _gone, ...backends } = frozen.backends;
    const missing = { ...frozen, backends };
    expect(validateGatewayConfig(missing)).toEqual(validateGatewayConfig(structuredClone(missing)));
    expect(validateGatewayConfig(missing)).toEqual([
      { path: '/ports/0/listeners/0/virtualHosts/3/rules/1/backends/0/backend', message: 'unknown backend "Service/ns3/svc-3-1:8080"' },
    ]);
    // A frozen virtual host with problems reports them each time, at its place in the config.
    const bad = structuredClone(vhostsOf(frozen)[2]!);
    bad.matches.push({ rule: 7, path: { type: 'RegularExpression', value: '(' } });
    const withBad = withVhost(frozen, 2, deepFreeze(bad));
    const expected = validateGatewayConfig(structuredClone(withBad));
    expect(expected.map((e) => e.message)).toEqual(['rule index 7 out of range', 'invalid regular expression "("']);
    expect(validateGatewayConfig(withBad)).toEqual(expected);
    expect(validateGatewayConfig(withBad)).toEqual(expected);
    // Schema errors inside a frozen virtual host carry their full path.
    const broken = deepFreeze({ ...structuredClone(vhostsOf(frozen)[1]!), hostname: 42 }) as unknown as VirtualHost;
    const errors = validateGatewayConfig(withVhost(frozen, 1, broken));
    expect(errors[0]!.path).toBe('/ports/0/listeners/0/virtualHosts/1/hostname');
    expect(validateGatewayConfig(withVhost(frozen, 1, broken))).toEqual(errors);
  });
});
