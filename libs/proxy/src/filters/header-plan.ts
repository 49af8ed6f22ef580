/**
 * A header modifier compiled once: lower-cased names, the `set` and `remove` names in one
 * lookup, ready to apply to a plain header object without re-reading the IR per request.
 * Several modifiers (a rule's, then a backendRef's) merge into one plan in order.
 */
import type { HeaderModifier } from '@portway/ir';

/** Header object as Node and undici use them: lower-case names. */
export type HeaderObject = Record<string, string | string[] | undefined>;

export class HeaderPlan {
  /** Names whose incoming values are dropped (removed or overwritten by `set`). */
  readonly drop: ReadonlySet<string>;
  /**
   * The operations in order, flat: kind, lower-case name, value (empty for `remove`), then the
   * next one. Memory: one plan is compiled per rule and backendRef, so one list of exactly its
   * length (not a list of three-item lists) is what thousands of routes hold.
   */
  private readonly ops: readonly string[];

  private constructor(ops: readonly string[]) {
    this.ops = ops;
    const drop = new Set<string>();
    for (let i = 0; i < ops.length; i += 3) if (ops[i] !== 'add') drop.add(ops[i + 1]!);
    this.drop = drop;
  }

  /** Null when the modifiers do nothing. */
  static compile(modifiers: readonly HeaderModifier[]): HeaderPlan | null {
    const ops: string[] = [];
    for (const m of modifiers) {
      // The spec's order within one modifier: set, add, remove.
      for (const h of m.set ?? []) ops.push('set', h.name.toLowerCase(), h.value);
      for (const h of m.add ?? []) ops.push('add', h.name.toLowerCase(), h.value);
      for (const n of m.remove ?? []) ops.push('remove', n.toLowerCase(), '');
    }
    // slice: a list filled by push keeps spare room.
    return ops.length === 0 ? null : new HeaderPlan(ops.slice());
  }

  /** Concatenates plans (a rule's then a backendRef's). */
  static merge(a: HeaderPlan | null, b: HeaderPlan | null): HeaderPlan | null {
    if (a === null) return b;
    if (b === null) return a;
    return new HeaderPlan(a.ops.concat(b.ops));
  }

  /**
   * Applies the plan to `headers` in place. `add` appends to an existing value, comma-joined
   * (`set-cookie` stays a list on responses).
   */
  apply(headers: HeaderObject): void {
    const ops = this.ops;
    for (let i = 0; i < ops.length; i += 3) {
      const kind = ops[i]!;
      const name = ops[i + 1]!;
      const value = ops[i + 2]!;
      if (kind === 'set') headers[name] = value;
      else if (kind === 'remove') delete headers[name];
      else {
        const cur = headers[name];
        if (cur === undefined) headers[name] = value;
        else if (Array.isArray(cur)) headers[name] = name === 'set-cookie' ? [...cur, value] : `${cur.join(',')},${value}`;
        else headers[name] = name === 'set-cookie' ? [cur, value] : `${cur},${value}`;
      }
    }
  }
}
