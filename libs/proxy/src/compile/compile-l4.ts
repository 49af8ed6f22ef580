/**
 * Compiles TLS (Passthrough, Terminate), TCP and UDP listeners and their routes (IR
 * `L4Route`s, in precedence order) into what the L4 paths read per connection or flow: an SNI
 * table of routes, weighted pickers, and the route a TCP or UDP listener serves.
 */
import type { L4Route, Listener } from '@portway/ir';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import { FlowHashPicker } from '../backends/flow-hash.js';
import { WeightedPicker } from '../backends/weighted-picker.js';
import { HostTable } from '../routing/host-table.js';
import type { CompiledL4Ref, CompiledL4Route, CompiledListenerTls, CompiledTcpListener, CompiledTlsListener, CompiledUdpListener } from './compiled-types.js';

export type TlsListenerIr = Extract<Listener, { protocol: 'TLS' }>;
export type TcpListenerIr = Extract<Listener, { protocol: 'TCP' }>;
export type UdpListenerIr = Extract<Listener, { protocol: 'UDP' }>;

type BackendLookup = (id: string | null) => BackendRuntime | null;

export function compileL4Route(r: L4Route, backendFor: BackendLookup): CompiledL4Route {
  const refs: CompiledL4Ref[] = r.backends.map((wb, index) => ({ index, backend: backendFor(wb.backend) }));
  const weighted = refs.map((ref) => ({ item: ref, weight: r.backends[ref.index]!.weight }));
  return {
    id: r.id,
    picker: new WeightedPicker(weighted),
    // Keyed by backend id: a flow keeps its backend when other backendRefs change.
    flowPicker: new FlowHashPicker(weighted.map((w) => ({ ...w, key: w.item.backend?.id ?? '<invalid>' }))),
    usable: weighted.some((w) => w.weight > 0 && w.item.backend !== null),
  };
}

export function compileTlsListener(
  l: TlsListenerIr,
  port: number,
  backendFor: BackendLookup,
  tls: CompiledListenerTls | null,
): CompiledTlsListener {
  const routes = new HostTable<CompiledL4Route>();
  for (const r of l.routes) {
    const compiled = compileL4Route(r, backendFor);
    if (r.hostnames.length === 0) routes.add(undefined, compiled);
    for (const h of r.hostnames) routes.add(h, compiled);
  }
  return { name: l.name, hostname: l.hostname, port, protocol: 'TLS', mode: l.mode, routes, tls };
}

/** The first route (the oldest) with a usable backendRef is the one served. */
function firstUsable(routes: readonly L4Route[], backendFor: BackendLookup): CompiledL4Route | null {
  for (const r of routes) {
    const compiled = compileL4Route(r, backendFor);
    if (compiled.usable) return compiled;
  }
  return null;
}

export function compileTcpListener(l: TcpListenerIr, port: number, backendFor: BackendLookup): CompiledTcpListener {
  return { name: l.name, port, route: firstUsable(l.routes, backendFor) };
}

export function compileUdpListener(l: UdpListenerIr, port: number, backendFor: BackendLookup): CompiledUdpListener {
  const route = firstUsable(l.routes, backendFor);
  const endpoints = new Set<string>();
  const r = l.routes.find((x) => x.id === route?.id);
  for (const wb of r?.backends ?? []) {
    const b = backendFor(wb.backend);
    for (const u of b?.ready ?? []) endpoints.add(`${u.address}:${u.port}`);
  }
  return { name: l.name, port, route, endpoints };
}
