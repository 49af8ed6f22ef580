/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size M in
 * which each entry owns about M/n slots, filled from per-entry permutations. A lookup is one
 * array read; removing or adding one entry moves little more than that entry's own share.
 * Entries are ordered by key first, so every process builds the same table from the same set.
 */
import { fnv1a, mix32 } from './flow-hash.js';

/** Table sizes (primes); the smallest one with at least 100 slots per entry is used. */
const SIZES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521];

export class MaglevTable<T> {
  private readonly items: T[];
  private readonly table: Int32Array;

  constructor(entries: readonly { key: string; item: T }[]) {
    const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.items = sorted.map((e) => e.item);
    const n = sorted.length;
    const m = SIZES.find((s) => s >= n * 100) ?? SIZES[SIZES.length - 1]!;
    this.table = new Int32Array(n <= 1 ? 0 : m);
    if (n <= 1) return;
    const offset = new Int32Array(n);
    const skip = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = sorted[i]!.key;
      offset[i] = mix32(fnv1a(key)) % m;
      skip[i] = (mix32(fnv1a(key, 0x9747b28c)) % (m - 1)) + 1;
    }
    this.table.fill(-1);
    let filled = 0;
    for (;;) {
      for (let i = 0; i < n; i++) {
        let c = (offset[i] + next[i] * skip[i]) % m;
        while (this.table[c] !== -1) {
          next[i]++;
          c = (offset[i] + next[i] * skip[i]) % m;
        }
        this.table[c] = i;
        next[i]++;
        if (++filled === m) return;
      }
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** The entry for a 32-bit hash, or undefined when the table is empty. */
  lookup(hash: number): T | undefined {
    const n = this.items.length;
    if (n <= 1) return this.items[0];
    return this.items[this.table[hash % this.table.length]];
  }
}
