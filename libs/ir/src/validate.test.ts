import { describe, expect, it } from 'vitest';
import { deepFreeze, IR_API_VERSION, validateGatewayConfig, virtualHostEdit, withUnchangedParts, type GatewayConfig, type VirtualHost } from './index.js';
import { buildConfig } from './__fixtures__/build-config.js';

function config(): GatewayConfig {
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'default', name: 'gw', generation: 1 },
    cluster: '',
    addresses: ['127.0.0.1'],
    backends: {
      'Service/default/echo:8080': {
        id: 'Service/default/echo:8080',
        protocol: 'HTTP1',
        endpoints: [{ address: '127.0.0.2', port: 3000, ready: true }],
      },
    },
    ports: [
      {
        port: 8080,
        listeners: [
          {
            name: 'default/gw/http',
            protocol: 'HTTP',
            virtualHosts: [
              {
                hostname: '*',
                matches: [{ rule: 0, path: { type: 'PathPrefix', value: '/' } }],
                rules: [
                  {
                    id: 'HTTPRoute/default/r/0',
                    route: { kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0 },
                    filters: [],
                    backends: [{ backend: 'Service/default/echo:8080', weight: 1 }],
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('validateGatewayConfig', () => {
  it('accepts a well-formed config', () => {
    expect(validateGatewayConfig(config())).toEqual([]);
  });

  it('reports schema errors with their path', () => {
    const c = config() as unknown as { ports: { port: number }[] };
    c.ports[0]!.port = 70000;
    const errors = validateGatewayConfig(c);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.path).toBe('/ports/0/port');
  });

  it('reports a reference to an unknown backend', () => {
    const c = config();
    const l = c.ports[0]!.listeners[0]!;
    if (l.protocol !== 'HTTP') throw new Error('fixture');
    l.virtualHosts[0]!.rules[0]!.backends[0]!.backend = 'Service/default/missing:80';
    expect(validateGatewayConfig(c)).toEqual([
      { path: '/ports/0/listeners/0/virtualHosts/0/rules/0/backends/0/backend', message: 'unknown backend "Service/default/missing:80"' },
    ]);
  });

  it('reports a rule index out of range, a bad regular expression and duplicate listener names', () => {
    const c = config();
    const l = c.ports[0]!.listeners[0]!;
    if (l.protocol !== 'HTTP') throw new Error('fixture');
    l.virtualHosts[0]!.matches.push({ rule: 3, path: { type: 'RegularExpression', value: '/(' } });
    c.ports[0]!.listeners.push({ ...l });
    const messages = validateGatewayConfig(c).map((e) => e.message);
    expect(messages).toContain('rule index 3 out of range');
    expect(messages).toContain('invalid regular expression "/("');
    expect(messages).toContain('listener name "default/gw/http" listed twice');
  });

  it('remembers the references of frozen virtual hosts per frozen backends table, and still sees a backend that went away', () => {
    const config = deepFreeze(buildConfig(30, 4));
    expect(validateGatewayConfig(config)).toEqual([]);
    // Same parts again (an edit elsewhere): still valid.
    expect(validateGatewayConfig({ ...config, gateway: { ...config.gateway, generation: 4 } })).toEqual([]);
    // The same frozen virtual hosts against a table without one of their backends.
    const { ['Service/ns3/svc-3-1:8080']: _gone, ...rest } = config.backends;
    const errors = validateGatewayConfig(deepFreeze({ ...config, backends: rest }));
    expect(errors).toEqual([{ path: '/ports/0/listeners/0/virtualHosts/3/rules/1/backends/0/backend', message: 'unknown backend "Service/ns3/svc-3-1:8080"' }]);
    // A frozen table whose ids mismatch is refused every time.
    const bad = deepFreeze({ ...config, backends: { ...config.backends, x: { id: 'y', protocol: 'HTTP1' as const, endpoints: [] } } });
    expect(validateGatewayConfig(bad)).toHaveLength(1);
    expect(validateGatewayConfig(bad)).toHaveLength(1);
  });
});

describe('validateGatewayConfig of an assembled edit (withUnchangedParts)', () => {
  const backendId = 'Service/default/echo:8080';
  const vh = (h: number, extra: Partial<VirtualHost> = {}, backend = backendId): VirtualHost => ({
    hostname: `h${h}.test`,
    matches: [{ rule: 0, path: { type: 'PathPrefix', value: `/p${h}` } }],
    rules: [{ id: `HTTPRoute/default/r${h}/0`, route: { kind: 'HTTPRoute', namespace: 'default', name: `r${h}`, rule: 0 }, filters: [], backends: [{ backend, weight: 1 }] }],
    ...extra,
  });
  const withHosts = (base: GatewayConfig, hosts: VirtualHost[], backends = base.backends): GatewayConfig => ({
    ...base,
    backends,
    ports: [{ ...base.ports[0]!, listeners: [{ ...(base.ports[0]!.listeners[0] as object), virtualHosts: hosts } as GatewayConfig['ports'][0]['listeners'][0]] }],
  });
  const hostsOf = (c: GatewayConfig) => (c.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts;

  it('finds the same errors as a full check, whatever the edit', () => {
    const base = config();
    const v1 = deepFreeze(withHosts(base, Array.from({ length: 6 }, (_, h) => vh(h, h === 4 ? { fallback: 'h0.test' } : {}))));
    expect(validateGatewayConfig(v1)).toEqual([]);
    const edits: [string, (hosts: VirtualHost[]) => VirtualHost[], GatewayConfig['backends']?][] = [
      ['a valid route change', (hs) => hs.map((v, h) => (h === 2 ? vh(2, { matches: [{ rule: 0, path: { type: 'Exact', value: '/x' } }] }) : v))],
      ['an unknown backend', (hs) => hs.map((v, h) => (h === 2 ? vh(2, {}, 'Service/default/missing:80') : v))],
      ['a rule index out of range', (hs) => hs.map((v, h) => (h === 3 ? vh(3, { matches: [{ rule: 5, path: { type: 'PathPrefix', value: '/' } }] }) : v))],
      ['an invalid regular expression', (hs) => hs.map((v, h) => (h === 1 ? vh(1, { matches: [{ rule: 0, path: { type: 'RegularExpression', value: '(' } }] }) : v))],
      ['a schema error', (hs) => hs.map((v, h) => (h === 5 ? ({ ...vh(5), hostname: 7 } as unknown as VirtualHost) : v))],
      ['a renamed host another falls back to', (hs) => hs.map((v, h) => (h === 0 ? vh(0, { hostname: 'renamed.test' }) : v))],
      ['a fallback to a missing host', (hs) => hs.map((v, h) => (h === 2 ? vh(2, { fallback: 'nowhere.test' }) : v))],
      ['a backend gone from the table, used by unchanged hosts', (hs) => hs.map((v, h) => (h === 2 ? vh(2, { hostname: 'h2.test' }) : v)), {}],
    ];
    for (const [what, edit, backends] of edits) {
      const next = withHosts(v1, edit(hostsOf(v1)), backends ?? v1.backends);
      const assembled = deepFreeze(withUnchangedParts(next, v1));
      const full = validateGatewayConfig(JSON.parse(JSON.stringify(next)));
      expect(validateGatewayConfig(assembled), what).toEqual(full);
      if (what === 'a valid route change') expect(full).toEqual([]);
      else expect(full.length, what).toBeGreaterThan(0);
    }
  });

  it('checks an edit of an edit against what the last valid one vouched for', () => {
    const v1 = deepFreeze(withHosts(config(), Array.from({ length: 4 }, (_, h) => vh(h))));
    expect(validateGatewayConfig(v1)).toEqual([]);
    const v2 = deepFreeze(withUnchangedParts(withHosts(v1, hostsOf(v1).map((v, h) => (h === 1 ? deepFreeze(vh(1, { hostname: 'h1.test' })) : v))), v1));
    expect(virtualHostEdit(v2.ports[0]!.listeners[0]!)?.changed).toEqual([1]);
    expect(validateGatewayConfig(v2)).toEqual([]);
    const v3 = deepFreeze(withUnchangedParts(withHosts(v2, hostsOf(v2).map((v, h) => (h === 3 ? vh(3, {}, 'Service/default/gone:1') : v))), v2));
    expect(validateGatewayConfig(v3)).toEqual([{ path: '/ports/0/listeners/0/virtualHosts/3/rules/0/backends/0/backend', message: 'unknown backend "Service/default/gone:1"' }]);
  });
});
