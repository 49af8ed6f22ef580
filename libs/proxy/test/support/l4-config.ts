/** Builders for L4 listeners and routes in tests. */
import type { Backend, L4Route, Listener } from '@portway/ir';
import type { L4Backend } from './l4-backends.js';

let seq = 0;

export function l4Backend(id: string, servers: L4Backend[] | { address: string; port: number }[]): Backend {
  return { id, protocol: 'HTTP1', endpoints: servers.map((s) => ({ address: s.address, port: s.port, ready: true })) };
}

export function l4Route(kind: 'TLSRoute' | 'TCPRoute' | 'UDPRoute', hostnames: string[], backends: L4Route['backends']): L4Route {
  const n = seq++;
  return { id: `${kind}/test/r${n}/0`, route: { kind, namespace: 'test', name: `r${n}`, rule: 0 }, hostnames, backends };
}

export function passthrough(name: string, hostname: string | undefined, routes: L4Route[]): Listener {
  return { name, protocol: 'TLS', mode: 'Passthrough', ...(hostname !== undefined ? { hostname } : {}), routes };
}

export function terminate(name: string, hostname: string | undefined, cert: { cert: string; key: string }, routes: L4Route[]): Listener {
  return {
    name,
    protocol: 'TLS',
    mode: 'Terminate',
    ...(hostname !== undefined ? { hostname } : {}),
    tls: { certificates: [{ certificate: cert.cert, privateKey: cert.key }] },
    routes,
  };
}

export function tcpListener(name: string, routes: L4Route[]): Listener {
  return { name, protocol: 'TCP', routes };
}

export function udpListener(name: string, routes: L4Route[]): Listener {
  return { name, protocol: 'UDP', routes };
}
