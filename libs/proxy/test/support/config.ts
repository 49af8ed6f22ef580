/** Small builders for GatewayConfig values in tests. */
import { IR_API_VERSION, type Backend, type GatewayConfig, type HttpRule, type Listener, type MatchEntry, type VirtualHost } from '@portway/ir';
import type { TestBackend } from './backends.js';

export function backendOf(id: string, servers: TestBackend[], extra: Partial<Backend> = {}): Backend {
  return {
    id,
    protocol: 'HTTP1',
    endpoints: servers.map((s) => ({ address: s.address, port: s.port, ready: true })),
    ...extra,
  };
}

let ruleSeq = 0;
export function rule(backends: HttpRule['backends'], extra: Partial<HttpRule> = {}): HttpRule {
  const n = ruleSeq++;
  return {
    id: `HTTPRoute/test/r${n}/0`,
    route: { kind: 'HTTPRoute', namespace: 'test', name: `r${n}`, rule: 0 },
    filters: [],
    backends,
    ...extra,
  };
}

export function prefix(value: string, ruleIndex: number, extra: Partial<MatchEntry> = {}): MatchEntry {
  return { rule: ruleIndex, path: { type: 'PathPrefix', value }, ...extra };
}

export function vhost(hostname: string, rules: HttpRule[], matches?: MatchEntry[]): VirtualHost {
  return { hostname, rules, matches: matches ?? rules.map((_, i) => prefix('/', i)) };
}

export function httpListener(name: string, virtualHosts: VirtualHost[], hostname?: string): Listener {
  return { name, protocol: 'HTTP', virtualHosts, ...(hostname !== undefined ? { hostname } : {}) };
}

export function gateway(
  name: string,
  address: string,
  ports: { port: number; listeners: Listener[] }[],
  backends: Backend[],
  generation = 1,
): GatewayConfig {
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'test', name, generation },
    cluster: '',
    addresses: [address],
    ports,
    backends: Object.fromEntries(backends.map((b) => [b.id, b])),
  };
}
