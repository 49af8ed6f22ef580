/**
 * Weighted random choice, compiled once: entries with weight 0 are never chosen; when every
 * weight is 0 (or the list is empty) `pick` returns undefined.
 */
export class WeightedPicker<T> {
  private readonly items: T[] = [];
  private readonly cumulative: number[] = [];
  readonly total: number;

  constructor(entries: readonly { item: T; weight: number }[]) {
    let sum = 0;
    for (const e of entries) {
      if (e.weight <= 0) continue;
      sum += e.weight;
      this.items.push(e.item);
      this.cumulative.push(sum);
    }
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
