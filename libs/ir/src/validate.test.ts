import { describe, expect, it } from 'vitest';
import { deepFreeze, IR_API_VERSION, validateGatewayConfig, type GatewayConfig } from './index.js';
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
