/**
 * Deterministic choices from a flow's identity, so that every process serving the same config
 * makes the same one: UDP datagrams of one flow can land in any worker process (node:cluster
 * shares one socket), and each must reach the same backend.
 *
 * - `flowHash(address, port)`: 32-bit FNV-1a of the client address and port, then mixed.
 * - `FlowHashPicker`: weighted rendezvous hashing (highest random weight): each entry scores
 *   `-ln(u) / weight` with `u` drawn from the flow hash and the entry's key; the lowest score
 *   wins. Shares follow the weights, and a change of one entry only moves the flows that entry
 *   gains or loses; the others keep their choice.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over a string's UTF-16 code units, continuing from `h`. */
export function fnv1a(s: string, h: number = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Avalanche step (murmur3 fmix32): every input bit affects every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a client address and port (no allocation). */
export function flowHash(address: string, port: number): number {
  let h = fnv1a(address);
  h ^= port & 0xff;
  h = Math.imul(h, FNV_PRIME);
  h ^= port >>> 8;
  h = Math.imul(h, FNV_PRIME);
  return mix32(h);
}

const TWO_32 = 4294967296;

export interface HashEntry<T> {
  readonly item: T;
  readonly weight: number;
  /** Identity of the entry, the same in every process (e.g. the backend id). */
  readonly key: string;
}

export class FlowHashPicker<T> {
  private readonly items: T[] = [];
  private readonly salts: number[] = [];
  private readonly weights: number[] = [];

  constructor(entries: readonly HashEntry<T>[]) {
    const seen = new Map<string, number>();
    for (const e of entries) {
      if (e.weight <= 0) continue;
      // The same key twice (the same backend listed twice) still gets two distinct salts.
      const n = seen.get(e.key) ?? 0;
      seen.set(e.key, n + 1);
      this.items.push(e.item);
      this.salts.push(mix32(fnv1a(n === 0 ? e.key : `${e.key}#${n}`)));
      this.weights.push(e.weight);
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** The entry a flow hash selects; undefined when no entry has a positive weight. */
  pick(hash: number): T | undefined {
    const n = this.items.length;
    if (n <= 1) return this.items[0];
    let best = 0;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const u = (mix32(hash ^ this.salts[i]!) + 0.5) / TWO_32;
      const score = -Math.log(u) / this.weights[i]!;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return this.items[best];
  }
}
