/** Small IR configs for the agent's tests: one HTTP, TCP or UDP listener in front of one backend. */
import net, { type AddressInfo } from 'node:net';
import type { Backend, GatewayConfig, Listener } from '@portway/ir';

export async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function config(cluster: string, name: string, port: number, listener: Listener, b: Backend, address: string): GatewayConfig {
  return {
    apiVersion: 'portway.dev/ir/v1',
    gateway: { namespace: 'default', name, generation: 1 },
    cluster,
    addresses: [address],
    ports: [{ port, listeners: [listener] }],
    backends: { [b.id]: b },
  };
}

export function httpConfig(cluster: string, name: string, port: number, b: Backend, address: string): GatewayConfig {
  return config(
    cluster,
    name,
    port,
    {
      name: `default/${name}/http`,
      protocol: 'HTTP',
      virtualHosts: [
        {
          hostname: '*',
          matches: [{ rule: 0, path: { type: 'PathPrefix', value: '/' } }],
          rules: [
            {
              id: `HTTPRoute/default/${name}/0`,
              route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
              filters: [],
              backends: [{ backend: b.id, weight: 1 }],
            },
          ],
        },
      ],
    },
    b,
    address,
  );
}

export function l4Config(kind: 'TCP' | 'UDP', cluster: string, name: string, port: number, b: Backend, address: string): GatewayConfig {
  const routeKind = kind === 'TCP' ? 'TCPRoute' : 'UDPRoute';
  return config(
    cluster,
    name,
    port,
    {
      name: `default/${name}/${kind.toLowerCase()}`,
      protocol: kind,
      routes: [
        {
          id: `${routeKind}/default/${name}/0`,
          route: { kind: routeKind, namespace: 'default', name, rule: 0 },
          hostnames: [],
          backends: [{ backend: b.id, weight: 1 }],
        },
      ],
    },
    b,
    address,
  );
}
