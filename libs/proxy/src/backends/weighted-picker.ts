/**
 * Weighted random choice, compiled once: entries with weight 0 are never chosen; when every
 * weight is 0 (or the list is empty) `pick` returns undefined.
 *
 * Memory: one is compiled per rule, so its lists are exactly as long as needed (no growth slack),
 * and a picker of one entry (most rules) shares one empty list of cumulative weights.
 */
export class WeightedPicker<T> {
  private readonly items: readonly T[];
  private readonly cumulative: readonly number[];
  readonly total: number;

  constructor(entries: readonly { item: T; weight: number }[]) {
    const kept = entries.every((e) => e.weight > 0) ? entries : entries.filter((e) => e.weight > 0);
    let sum = 0;
    // map: arrays of exactly their length.
    const cumulative = kept.map((e) => (sum += e.weight));
    this.items = kept.map((e) => e.item);
    // `pick` reads cumulative weights only to choose among two or more.
    this.cumulative = cumulative.length > 1 ? cumulative : NO_WEIGHTS;
    this.total = sum;
  }

  /** `random` in [0, 1): injectable for tests. */
  pick(random: number = Math.random()): T | undefined {
    const n = this.items.length;
    if (n <= 1) return this.items[0];
    const target = random * this.total;
    // Binary search for the first cumulative weight above the target.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

const NO_WEIGHTS: readonly number[] = Object.freeze([]);
