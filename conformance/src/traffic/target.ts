import type { StatusSnapshot } from '../portway/status-client.js';
import type { Target } from '../suite/types.js';

/** Where a case's traffic goes: the Gateway's address and the port rule of SEMANTICS.md §2. */
export interface ResolvedTarget {
  ip: string;
  /** Undefined when the scheme's default port applies (portSource "none ..."). */
  port: number | undefined;
  /** "ip:port" or "ip", as the upstream suite writes the gateway address. */
  address: string;
}

/**
 * The first `status.addresses[]` entry with a type, joined with the port chosen by `portSource`:
 * the first listener's port, the named listener's (falling back to the first listener when the
 * Gateway spec has no such listener), an explicit port, or none. Throws when the Gateway or its
 * address is missing.
 */
export function resolveTarget(t: Target, status: StatusSnapshot): ResolvedTarget {
  const gw = status.get('Gateway', t.gateway.namespace, t.gateway.name);
  if (!gw) throw new Error(`Gateway ${t.gateway.namespace}/${t.gateway.name} not found in status`);
  const addrs = (gw.status?.['addresses'] as { type?: string; value?: string }[] | undefined) ?? [];
  const addr = addrs.find((a) => a.type)?.value;
  if (!addr) throw new Error(`Gateway ${t.gateway.namespace}/${t.gateway.name} has no address in status`);
  const listeners = (gw.spec?.['listeners'] as { name?: string; port?: number }[] | undefined) ?? [];
  const source = t.portSource ?? 'firstListener';
  let port: number | undefined;
  if (source === 'explicit') {
    if (typeof t.port !== 'number') throw new Error('target.portSource is explicit but target.port is missing');
    port = t.port;
  } else if (source === 'firstListener' || source === 'listener') {
    const l = (source === 'listener' ? listeners.find((x) => x.name === t.listener) : undefined) ?? listeners[0];
    if (!l || typeof l.port !== 'number') throw new Error(`Gateway ${t.gateway.namespace}/${t.gateway.name} has no listener to take a port from`);
    port = l.port;
  } else if (source.startsWith('none')) {
    port = undefined;
  } else {
    throw new Error(`unknown target.portSource ${JSON.stringify(source)}`);
  }
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return { ip: addr, port, address: port === undefined ? host : `${host}:${port}` };
}

/** The port to dial: the resolved one, or the scheme's default. */
export function dialPort(t: ResolvedTarget, scheme: string): number {
  if (t.port !== undefined) return t.port;
  return scheme === 'https' || scheme === 'tls' ? 443 : 80;
}
