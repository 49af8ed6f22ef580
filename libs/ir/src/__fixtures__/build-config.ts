/** Test configs of any size (excluded from the build). */
import { IR_API_VERSION, type GatewayConfig, type HttpRule, type VirtualHost } from '../index.js';

/** A config with `hosts` virtual hosts of `rulesPerHost` rules each, plus every L4 listener kind. */
export function buildConfig(hosts: number, rulesPerHost: number): GatewayConfig {
  const backends: GatewayConfig['backends'] = {};
  const vhosts: VirtualHost[] = [];
  for (let h = 0; h < hosts; h++) {
    const rules: HttpRule[] = [];
    for (let r = 0; r < rulesPerHost; r++) {
      const id = `Service/ns${h % 7}/svc-${h}-${r}:8080`;
      backends[id] = { id, protocol: 'HTTP1', endpoints: [{ address: `10.0.${h % 250}.${r % 250}`, port: 8080, ready: true }] };
      rules.push({
        id: `HTTPRoute/ns${h % 7}/route-${h}/${r}`,
        route: { kind: 'HTTPRoute', namespace: `ns${h % 7}`, name: `route-${h}`, rule: r },
        filters: r % 3 === 0 ? [{ type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-route', value: `${h}-${r}` }] } }] : [],
        backends: [{ backend: id, weight: 1 }],
      });
    }
    vhosts.push({
      hostname: `host-${h}.example.com`,
      // Longest paths first, as the translator orders them.
      matches: rules.map((_, r) => ({ rule: rulesPerHost - 1 - r, path: { type: 'PathPrefix' as const, value: `/api/v${rulesPerHost - 1 - r}/items` } })),
      rules,
    });
  }
  Object.defineProperty(backends, '__proto__', { value: { id: '__proto__', protocol: 'H2C', endpoints: [] }, enumerable: true, writable: true, configurable: true });
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'infra', name: 'edge', generation: 3 },
    cluster: 'east',
    addresses: ['127.0.0.1'],
    infrastructure: { labels: { team: 'edge' }, annotations: {} },
    ports: [
      { port: 80, listeners: [{ name: 'infra/edge/http', protocol: 'HTTP', virtualHosts: vhosts }] },
      {
        port: 443,
        listeners: [
          { name: 'infra/edge/tls', protocol: 'TLS', mode: 'Passthrough', hostname: '*.pass.example.com', routes: [{ id: 'TLSRoute/ns0/t/0', route: { kind: 'TLSRoute', namespace: 'ns0', name: 't', rule: 0 }, hostnames: ['a.pass.example.com'], backends: [{ backend: null, weight: 1 }] }] },
        ],
      },
      { port: 5000, listeners: [{ name: 'infra/edge/tcp', protocol: 'TCP', routes: [] }] },
      { port: 5353, listeners: [{ name: 'infra/edge/udp', protocol: 'UDP', routes: [{ id: 'UDPRoute/ns0/u/0', route: { kind: 'UDPRoute', namespace: 'ns0', name: 'u', rule: 0 }, hostnames: [], backends: [] }] }] },
    ],
    backends,
  };
}

