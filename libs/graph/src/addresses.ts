import * as cond from './conditions.js';
import type { Condition } from './conditions.js';
import { compareCreation } from './order.js';
import type { GatewayNode } from './types.js';

export interface AddressAssignment {
  /** Addresses each Gateway serves on, by Gateway key. */
  addresses: Record<string, string[]>;
  /** Gateways that could not get a usable address: their Programmed=False condition. */
  problems: Record<string, Condition>;
}

/**
 * Gives every accepted Gateway the addresses it serves on (standalone mode, where Portway
 * itself is the load balancer):
 * - `spec.addresses` of type IPAddress are used as they are (the data plane reports whether it
 *   can bind them);
 * - otherwise a Gateway keeps the pool address it had (`previous`), or takes the first pool
 *   address no other Gateway uses; when the pool is exhausted, it shares an address with
 *   Gateways whose ports it does not collide with;
 * - a Gateway that cannot get an address without colliding on a port gets
 *   `Programmed=False, AddressNotAssigned` (oldest Gateways are served first).
 * Pure: the caller keeps `previous` between builds so addresses stay stable.
 */
export function assignAddresses(
  gateways: readonly GatewayNode[],
  pool: readonly string[],
  previous: Readonly<Record<string, readonly string[]>> = {},
): AddressAssignment {
  const addresses: Record<string, string[]> = {};
  const problems: Record<string, Condition> = {};
  const used = new Map<string, Set<number>>(); // address -> ports in use
  const ports = (g: GatewayNode) => new Set(g.listeners.filter((l) => l.accepted).map((l) => l.port));
  const take = (address: string, gwPorts: Set<number>) => {
    const set = used.get(address) ?? new Set<number>();
    for (const p of gwPorts) set.add(p);
    used.set(address, set);
  };
  const collides = (address: string, gwPorts: Set<number>) => [...gwPorts].some((p) => used.get(address)?.has(p));

  const ordered = [...gateways].filter((g) => g.accepted).sort((a, b) => compareCreation(a.source, b.source));
  const pending: GatewayNode[] = [];

  // Static addresses and stable previous assignments first, oldest Gateway first.
  for (const g of ordered) {
    const gwPorts = ports(g);
    const fixed = ((g.source.spec.addresses ?? []) as { type?: string; value?: unknown }[])
      .filter((a) => (a.type ?? 'IPAddress') === 'IPAddress' && typeof a.value === 'string' && a.value !== '')
      .map((a) => a.value as string);
    if (fixed.length > 0) {
      const clash = fixed.find((a) => collides(a, gwPorts));
      if (clash) {
        problems[g.key] = cond.gatewayAddressNotAssigned(`Address ${clash} is already used by another Gateway on one of the same ports`);
        continue;
      }
      fixed.forEach((a) => take(a, gwPorts));
      addresses[g.key] = fixed;
      continue;
    }
    const prev = previous[g.key]?.filter((a) => pool.includes(a)) ?? [];
    if (prev.length > 0 && !prev.some((a) => collides(a, gwPorts))) {
      prev.forEach((a) => take(a, gwPorts));
      addresses[g.key] = [...prev];
      continue;
    }
    pending.push(g);
  }

  // New Gateways: a free pool address, else a shared one without port collisions.
  for (const g of pending) {
    const gwPorts = ports(g);
    const free = pool.find((a) => !used.has(a));
    const shared = free ?? pool.find((a) => !collides(a, gwPorts));
    if (shared === undefined) {
      problems[g.key] = cond.gatewayAddressNotAssigned(
        pool.length === 0
          ? 'The address pool is empty'
          : `No address in the pool is free on port(s) ${[...gwPorts].join(', ')}: every one is used by an older Gateway`,
      );
      continue;
    }
    take(shared, gwPorts);
    addresses[g.key] = [shared];
  }
  return { addresses, problems };
}

/** Expands an address pool spec: "127.0.0.1", "127.0.100.1-127.0.100.20", "10.0.0.0/30", comma-separated. */
export function expandAddressPool(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = part.split('-');
    if (range.length === 2) {
      const from = ipToInt(range[0]!);
      const to = ipToInt(range[1]!.includes('.') ? range[1]! : `${range[0]!.split('.').slice(0, 3).join('.')}.${range[1]}`);
      if (to < from || to - from > 65535) throw new Error(`invalid address range "${part}"`);
      for (let i = from; i <= to; i++) out.push(intToIp(i));
    } else if (part.includes('/')) {
      const [base, bits] = part.split('/');
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 16 || prefix > 32) throw new Error(`invalid address block "${part}" (prefix must be 16..32)`);
      const size = 2 ** (32 - prefix);
      const start = ipToInt(base!) & ~(size - 1);
      const hosts = size <= 2 ? [start, start + size - 1] : [start + 1, start + size - 2];
      for (let i = hosts[0]!; i <= hosts[1]!; i++) out.push(intToIp(i >>> 0));
    } else {
      out.push(intToIp(ipToInt(part)));
    }
  }
  return [...new Set(out)];
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
