/**
 * Weighted random choice, compiled once: entries with weight 0 are never chosen; when every
 * weight is 0 (or the list is empty) `pick` returns undefined.
 *
 * Memory: one is compiled per rule, so its lists are exactly as long as needed (no growth slack),
 * a picker of one entry (most rules) shares one empty list of cumulative weights, and a picker
 * given its items as a list holds that very list when every weight is positive.
 */
export class WeightedPicker<T> {
  private readonly items: readonly T[];
  private readonly cumulative: readonly number[];
  readonly total: number;

  /** Entries with their weights. */
  constructor(entries: readonly { item: T; weight: number }[]);
  /** `items`, `weights[i]` the weight of `items[i]`; `items` is held as it is (it must not change afterwards) when every weight is positive. */
  constructor(items: readonly T[], weights: readonly number[]);
  constructor(list: readonly unknown[], weights?: readonly number[]) {
    let items: readonly T[];
    let ws: readonly number[];
    if (weights === undefined) {
      const entries = list as readonly { item: T; weight: number }[];
      // map: arrays of exactly their length.
      items = entries.map((e) => e.item);
      ws = entries.map((e) => e.weight);
    } else {
      if (weights.length !== list.length) throw new RangeError(`WeightedPicker: ${list.length} items but ${weights.length} weights`);
      items = list as readonly T[];
      ws = weights;
    }
    if (!ws.every((w) => w > 0)) {
      const all = ws;
      items = items.filter((_, i) => all[i]! > 0).slice();
      ws = all.filter((w) => w > 0);
    }
    let sum = 0;
    const cumulative = ws.map((w) => (sum += w));
    this.items = items;
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
