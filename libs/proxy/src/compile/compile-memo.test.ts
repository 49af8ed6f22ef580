import { describe, expect, it } from 'vitest';
import { deepFreeze, IR_API_VERSION, virtualHostEdit, withUnchangedParts, type GatewayConfig, type HttpRule, type VirtualHost } from '@portway/ir';
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

  it('reuses a listener whose IR is the same object, and patches the host table of one edited at a few positions', () => {
    const c = ctx();
    const hosts = Array.from({ length: 8 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const memo = compileMemoFor(c.registry, 'infra/edge');

    // A new generation with the very same listener and backends: the compiled listener is the same.
    const v2 = deepFreeze({ ...v1, gateway: { ...v1.gateway, generation: 2 } });
    const b = compileGateway(v2, c);
    expect(b.ports[0]!.listeners[0]).toBe(a.ports[0]!.listeners[0]);
    expect(memo.stats).toMatchObject({ listeners: 1, reusedListeners: 1, virtualHosts: 8, reusedVirtualHosts: 8 });

    // Host 3 edited: the others keep their compiled objects, host 3 serves its new route.
    const v3 = deepFreeze({ ...config(hosts.map((v, h) => (h === 3 ? vhost(3, '/edited') : v))), backends: v1.backends });
    const d = compileGateway(v3, c);
    expect(memo.stats).toMatchObject({ reusedListeners: 0, patchedHostTables: 1, virtualHosts: 8, reusedVirtualHosts: 7 });
    const host3 = vhostOf(d, 'host-3.example.com');
    expect(host3).not.toBe(vhostOf(a, 'host-3.example.com'));
    expect(host3.router.match('GET', '/edited/x', null, { rawHeaders: [] })?.rule.id).toBe('HTTPRoute/ns/r3/0');
    expect(host3.router.match('GET', '/h3/x', null, { rawHeaders: [] })).toBeNull();
    for (const h of [0, 1, 2, 4, 5, 6, 7]) expect(vhostOf(d, `host-${h}.example.com`)).toBe(vhostOf(a, `host-${h}.example.com`));
    // The table that served before is left as it was (in-flight requests finish on it).
    expect(vhostOf(a, 'host-3.example.com').router.match('GET', '/h3/x', null, { rawHeaders: [] })?.rule.id).toBe('HTTPRoute/ns/r3/0');
    expect(a.ports[0]!.listeners[0]!.vhosts.lookup('host-3.example.com')).toBe(vhostOf(b, 'host-3.example.com'));
  });

  it('builds the host table anew when an edit changes hostnames, and keeps the first of repeated hostnames', () => {
    const c = ctx();
    const renamed = (h: number, hostname: string) => deepFreeze({ ...vhost(h, `/n${h}`), hostname });
    // Hosts 1 and 2 share a hostname: host 1 serves it.
    const hosts = [deepFreeze(vhost(0)), renamed(1, 'dup.example.com'), renamed(2, 'dup.example.com'), deepFreeze(vhost(3))];
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const memo = compileMemoFor(c.registry, 'infra/edge');
    const served = (gw: CompiledGateway, host: string, path: string) => vhostOf(gw, host).router.match('GET', path, null, { rawHeaders: [] })?.rule.id ?? null;
    expect(served(a, 'dup.example.com', '/n1')).toBe('HTTPRoute/ns/r1/0');

    // Editing the shadowed one changes nothing served; editing the first one does.
    const b = compileGateway(deepFreeze({ ...config([hosts[0]!, hosts[1]!, renamed(2, 'dup.example.com'), hosts[3]!]), backends: v1.backends }), c);
    expect(memo.stats.patchedHostTables).toBe(1);
    expect(vhostOf(b, 'dup.example.com')).toBe(vhostOf(a, 'dup.example.com'));
    const d = compileGateway(deepFreeze({ ...config([hosts[0]!, renamed(1, 'dup.example.com'), hosts[2]!, hosts[3]!].map((v, i) => (i === 1 ? deepFreeze({ ...vhost(1, '/m1'), hostname: 'dup.example.com' }) : v))), backends: v1.backends }), c);
    expect(memo.stats.patchedHostTables).toBe(1);
    expect(served(d, 'dup.example.com', '/m1')).toBe('HTTPRoute/ns/r1/0');
    expect(served(d, 'dup.example.com', '/n1')).toBeNull();

    // Host 3 renamed: a new table, in which the old name is gone and the new one served.
    const e = compileGateway(deepFreeze({ ...config([hosts[0]!, hosts[1]!, hosts[2]!, renamed(3, 'moved.example.com')]), backends: v1.backends }), c);
    expect(memo.stats.patchedHostTables).toBe(0);
    expect(e.ports[0]!.listeners[0]!.vhosts.lookup('host-3.example.com')).toBeUndefined();
    expect(served(e, 'moved.example.com', '/n3')).toBe('HTTPRoute/ns/r3/0');
    expect(vhostOf(e, 'host-0.example.com')).toBe(vhostOf(a, 'host-0.example.com'));
  });

  it('does not reuse listeners across a change of backends, nor after a failed compile', () => {
    const c = ctx();
    const hosts = Array.from({ length: 4 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const memo = compileMemoFor(c.registry, 'infra/edge');
    // svc-1 removed: the listener (same object) is not reused; host 1 refers to a missing backend.
    const listener = v1.ports[0]!.listeners[0]!;
    const broken = deepFreeze({ ...v1, backends: { 'svc-0': v1.backends['svc-0']!, 'svc-2': v1.backends['svc-2']! } });
    expect(broken.ports[0]!.listeners[0]).toBe(listener);
    expect(() => compileGateway(broken, c)).toThrow(/unknown backend "svc-1"/);
    // The failed compile did not replace what the last good one remembered.
    const b = compileGateway(deepFreeze({ ...v1, gateway: { ...v1.gateway, generation: 3 } }), c);
    expect(memo.stats.reusedListeners).toBe(1);
    expect(b.ports[0]!.listeners[0]).toBe(a.ports[0]!.listeners[0]);
  });

  it('takes the changed positions from an assembled edit (withUnchangedParts), with the same result', () => {
    const c = ctx();
    const hosts = Array.from({ length: 8 }, (_, h) => deepFreeze(vhost(h)));
    const v1 = deepFreeze(config(hosts));
    const a = compileGateway(v1, c);
    const edited = config(hosts.map((v, h) => (h === 5 ? deepFreeze(vhost(5, '/edited')) : v)), v1.backends);
    const v2 = deepFreeze(withUnchangedParts({ ...edited, gateway: v1.gateway, addresses: v1.addresses }, v1));
    expect(virtualHostEdit(v2.ports[0]!.listeners[0]!)).toMatchObject({ base: v1.ports[0]!.listeners[0], changed: [5] });
    const b = compileGateway(v2, c);
    expect(compileMemoFor(c.registry, 'infra/edge').stats).toMatchObject({ virtualHosts: 8, reusedVirtualHosts: 7, patchedHostTables: 1 });
    expect(vhostOf(b, 'host-4.example.com')).toBe(vhostOf(a, 'host-4.example.com'));
    expect(vhostOf(b, 'host-5.example.com').router.match('GET', '/edited', null, { rawHeaders: [] })?.rule.id).toBe('HTTPRoute/ns/r5/0');
  });
});
