import { describe, expect, it } from 'vitest';
import { deepFreeze } from './freeze.js';
import { withUnchangedParts } from './reuse.js';
import { IR_API_VERSION, type GatewayConfig, type VirtualHost } from './schema.js';

/** Head fields shared by every config below (as assembled configs share their head item's). */
const addresses: string[] = deepFreeze([]);
const vh = (h: number): VirtualHost => deepFreeze({ hostname: `h${h}.test`, matches: [], rules: [] });

function config(a: VirtualHost[], b: VirtualHost[], backends: GatewayConfig['backends'], gateway = { namespace: 'ns', name: 'gw', generation: 1 }): GatewayConfig {
  return {
    apiVersion: IR_API_VERSION,
    gateway,
    cluster: '',
    addresses,
    ports: [
      { port: 80, listeners: [{ name: 'a', protocol: 'HTTP', virtualHosts: a }] },
      { port: 81, listeners: [{ name: 'b', protocol: 'HTTP', virtualHosts: b }] },
    ],
    backends,
  };
}

describe('withUnchangedParts', () => {
  const hosts = [0, 1, 2, 3].map(vh);
  const backend = deepFreeze({ id: 's', protocol: 'HTTP1' as const, endpoints: [] });
  const gateway = deepFreeze({ namespace: 'ns', name: 'gw', generation: 1 });
  const previous = deepFreeze(config(hosts.slice(0, 2), hosts.slice(2), { s: backend }, gateway));

  it('takes every part made of the same objects from the previous config, and only those', () => {
    // Fresh containers around the same parts: the previous config itself.
    expect(withUnchangedParts(config(hosts.slice(0, 2), hosts.slice(2), { s: backend }, gateway), previous)).toBe(previous);
    // Listener b changed: port 80, the backends table are kept; port 81 is the new one.
    const next = config(hosts.slice(0, 2), [hosts[2]!, vh(9)], { s: backend }, gateway);
    const merged = withUnchangedParts(next, previous);
    expect(merged).toEqual(next);
    expect(merged.ports[0]).toBe(previous.ports[0]);
    expect(merged.ports[1]).not.toBe(previous.ports[1]);
    expect(merged.ports[1]!.listeners[0]).toBe(next.ports[1]!.listeners[0]);
    expect(merged.backends).toBe(previous.backends);
    // A new generation (another gateway object): a new config, with the old ports.
    const bumped = withUnchangedParts(config(hosts.slice(0, 2), hosts.slice(2), { s: backend }, { ...gateway, generation: 2 }), previous);
    expect(bumped).not.toBe(previous);
    expect(bumped.gateway.generation).toBe(2);
    expect(bumped.ports).toBe(previous.ports);
  });

  it('does not take a part whose content differs only in order or in one field', () => {
    const swapped = withUnchangedParts(config([hosts[1]!, hosts[0]!], hosts.slice(2), { s: backend }, gateway), previous);
    expect(swapped.ports[0]!.listeners[0]).not.toBe(previous.ports[0]!.listeners[0]);
    expect(swapped.ports[1]).toBe(previous.ports[1]);
    const other = deepFreeze({ ...backend });
    expect(withUnchangedParts(config(hosts.slice(0, 2), hosts.slice(2), { s: other }, gateway), previous).backends.s).toBe(other);
    const named = config(hosts.slice(0, 2), hosts.slice(2), { s: backend }, gateway);
    (named.ports[0]!.listeners[0] as { hostname?: string }).hostname = 'x.test';
    expect(withUnchangedParts(named, previous).ports[0]!.listeners[0]).toBe(named.ports[0]!.listeners[0]);
  });
});
