import { describe, expect, it } from 'vitest';
import { deepFreeze, IR_API_VERSION, type GatewayConfig, type HttpRule, type VirtualHost } from '@portway/ir';
import { UpstreamRegistry } from '../upstream/upstream.js';
import { compileGateway, type CompileContext } from './compile-gateway.js';
import { compileMemoFor } from './compile-memo.js';
import type { CompiledGateway, CompiledVirtualHost } from './compiled-types.js';

function vhost(h: number, path = `/h${h}`): VirtualHost {
  const rules: HttpRule[] = [
    { id: `HTTPRoute/ns/r${h}/0`, route: { kind: 'HTTPRoute', namespace: 'ns', name: `r${h}`, rule: 0 }, filters: [], backends: [{ backend: `svc-${h % 3}`, weight: 1 }] },
  ];
  return { hostname: `host-${h}.example.com`, matches: [{ rule: 0, path: { type: 'PathPrefix', value: path } }], rules };
}

function config(vhosts: VirtualHost[], backends?: GatewayConfig['backends']): GatewayConfig {
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'infra', name: 'edge', generation: 1 },
    cluster: '',
    addresses: ['127.0.0.1'],
    ports: [{ port: 80, listeners: [{ name: 'infra/edge/http', protocol: 'HTTP', virtualHosts: vhosts }] }],
    backends: backends ?? {
      'svc-0': { id: 'svc-0', protocol: 'HTTP1', endpoints: [{ address: '10.0.0.1', port: 80, ready: true }] },
      'svc-1': { id: 'svc-1', protocol: 'HTTP1', endpoints: [{ address: '10.0.0.2', port: 80, ready: true }] },
      'svc-2': { id: 'svc-2', protocol: 'HTTP1', endpoints: [{ address: '10.0.0.3', port: 80, ready: true }] },
    },
  };
}

const vhostOf = (gw: CompiledGateway, host: string): CompiledVirtualHost => gw.ports[0]!.listeners[0]!.vhosts.lookup(host)!;

describe('compile memo', () => {
  const ctx = (): CompileContext => ({ registry: new UpstreamRegistry(), defaultAddress: '127.0.0.1', sessionSecret: Buffer.alloc(32) });

  it('reuses the routers of unchanged frozen virtual hosts and the runtimes of unchanged backends', () => {
    const c = ctx();
    const hosts = Array.from({ length: 6 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const memo = compileMemoFor(c.registry, 'infra/edge');
    expect(memo.stats.reusedVirtualHosts).toBe(0);

    // Host 4 edited; backends table the same objects.
    const v2 = deepFreeze({ ...config(hosts.map((v, h) => (h === 4 ? vhost(4, '/edited') : v))), backends: v1.backends });
    const b = compileGateway(v2, c);
    expect(memo.stats).toMatchObject({ virtualHosts: 6, reusedVirtualHosts: 5, backends: 3, reusedBackends: 3 });
    expect(vhostOf(b, 'host-0.example.com')).toBe(vhostOf(a, 'host-0.example.com'));
    expect(vhostOf(b, 'host-4.example.com')).not.toBe(vhostOf(a, 'host-4.example.com'));
    expect(vhostOf(b, 'host-4.example.com').router.match('GET', '/edited/x', null, { rawHeaders: [] })?.rule.id).toBe('HTTPRoute/ns/r4/0');
    expect(vhostOf(b, 'host-4.example.com').router.match('GET', '/h4/x', null, { rawHeaders: [] })).toBeNull();
  });

  it('compiles again the virtual hosts whose backend changed, and never remembers mutable IR', () => {
    const c = ctx();
    const hosts = Array.from({ length: 6 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const backends = { ...v1.backends, 'svc-1': { id: 'svc-1', protocol: 'HTTP1' as const, endpoints: [{ address: '10.0.0.9', port: 80, ready: true }] } };
    const b = compileGateway(deepFreeze(config(hosts, backends)), c);
    const memo = compileMemoFor(c.registry, 'infra/edge');
    // Hosts 1 and 4 use svc-1.
    expect(memo.stats).toMatchObject({ reusedVirtualHosts: 4, reusedBackends: 2 });
    expect(vhostOf(b, 'host-1.example.com')).not.toBe(vhostOf(a, 'host-1.example.com'));
    expect(vhostOf(b, 'host-1.example.com').router.match('GET', '/h1', null, { rawHeaders: [] })?.rule.refs[0]!.backend?.ready[0]!.address).toBe('10.0.0.9');
    expect(vhostOf(b, 'host-2.example.com')).toBe(vhostOf(a, 'host-2.example.com'));

    const mutable = config(Array.from({ length: 6 }, (_, h) => vhost(h)));
    compileGateway(mutable, c);
    compileGateway(mutable, c);
    expect(memo.stats).toMatchObject({ reusedVirtualHosts: 0, reusedBackends: 0 });
  });

  it('keeps what the last successful compile remembered when a compile fails', () => {
    const c = ctx();
    const hosts = Array.from({ length: 3 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const broken = deepFreeze({ ...config([...hosts, vhost(9)]), backends: { 'svc-0': v1.backends['svc-0']! } });
    expect(() => compileGateway(broken, c)).toThrow(/unknown backend/);
    const b = compileGateway(v1, c);
    expect(compileMemoFor(c.registry, 'infra/edge').stats).toMatchObject({ reusedVirtualHosts: 3, reusedBackends: 3 });
    expect(vhostOf(b, 'host-2.example.com')).toBe(vhostOf(a, 'host-2.example.com'));
  });
});
