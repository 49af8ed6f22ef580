/**
 * A fast path for CEL rules: the rule's syntax tree (parsed by `@bufbuild/cel`) is turned into
 * JavaScript closures that read the admitted JSON value directly, with CEL's semantics for the
 * subset the CRDs use: field selection and `has()`, indexing, comparisons and CEL equality, `&&`/`||`
 * with error absorption, `?:`, `in`, arithmetic, comprehensions (so every macro: `all`, `exists`,
 * `exists_one`, `filter`, `map`), `size`, the string functions and extensions, `matches` (RE2),
 * `duration()`, `isIP()` and `format.*().validate()`.
 *
 * A rule that uses anything else is not compiled here (`compileFast` returns undefined) and runs on
 * `@bufbuild/cel`'s evaluator, which stays the reference: a test runs both on every rule of the CRDs
 * and on the admission tables' objects and requires the same outcome.
 *
 * Integers are JavaScript numbers here (CEL ints within ±2^53, which is all a Kubernetes field holds).
 */
import { parse } from '@bufbuild/cel';
import { FORMATS, celIP } from './cel-k8s-library.js';
import { re2 } from './re2-regexp.js';

type Expr = ReturnType<typeof parse>['expr'];

/** A CEL runtime error (the rule evaluates to an error, not to false). */
export class CelEvalError {
  constructor(readonly message: string) {}
}

/** A CEL duration, in nanoseconds. */
class Duration {
  constructor(readonly ns: bigint) {}
}

/** A `format.<name>()` value. */
class Format {
  constructor(readonly name: string) {}
}

/** Variables live in slots of one array per evaluation: self, oldSelf, then two per comprehension. */
type Scope = unknown[];
type Fn = (s: Scope) => unknown;

/** Compile-time variable slots: names in scope, and the next free slot. */
interface Vars {
  slots: ReadonlyMap<string, number>;
  counter: { n: number };
}

const fail = (message: string): never => {
  throw new CelEvalError(message);
};

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Duration) && !(v instanceof Format);

/** Property names as CEL spells them (`__namespace__`, `__dot__`, ...) back to JSON names. */
function unescapeName(name: string): string {
  const m = /^__([a-z]+)__$/.exec(name);
  if (m && !['underscores', 'dot', 'dash', 'slash'].includes(m[1]!)) return m[1]!;
  if (!name.includes('__')) return name;
  return name
    .replace(/__underscores__/g, '__')
    .replace(/__dot__/g, '.')
    .replace(/__dash__/g, '-')
    .replace(/__slash__/g, '/');
}

/** CEL equality: numbers by value, lists and maps element-wise, other types never equal. */
function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a instanceof Duration && b instanceof Duration) return a.ns === b.ns;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && celEquals(a[k], b[k]));
  }
  return false;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Duration && b instanceof Duration) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  return fail('no such overload');
}

const DURATION_UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Parses a CEL duration string (`300ms`, `-1.5h`, `2h45m`), as the CEL standard library does. */
function parseDuration(str: string): Duration {
  if (str.length > 128) fail('Failed to parse duration: duration string exceeds 128 characters');
  if (/^[-+]?0$/.test(str)) return new Duration(0n);
  let rest = str;
  let sign = 1n;
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1n : 1n;
    rest = rest.slice(1);
  }
  let ns = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) fail('Failed to parse duration: invalid syntax');
    const unit = DURATION_UNITS[m![3]!]!;
    ns += BigInt(m![1] || '0') * unit;
    if (m![2]) ns += (BigInt(m![2]) * unit) / 10n ** BigInt(m![2].length);
    rest = rest.slice(m![0].length);
  }
  return new Duration(sign * ns);
}

const codePoints = (s: string) => [...s];

function size(v: unknown): number {
  if (typeof v === 'string') {
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  return fail('no such overload: size');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : fail('no such overload'));
const int = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) ? v : fail('no such overload'));

/** Methods on a target value, by name and argument count. */
const METHODS: Record<string, (t: unknown, a: unknown[]) => unknown> = {
  'size/0': (t) => size(t),
  'startsWith/1': (t, [p]) => str(t).startsWith(str(p)),
  'endsWith/1': (t, [p]) => str(t).endsWith(str(p)),
  'contains/1': (t, [p]) => str(t).includes(str(p)),
  'matches/1': (t, [p]) => re2(str(p)).test(str(t)),
  'lowerAscii/0': (t) => str(t).replace(/[A-Z]/g, (c) => c.toLowerCase()),
  'upperAscii/0': (t) => str(t).replace(/[a-z]/g, (c) => c.toUpperCase()),
  'trim/0': (t) => str(t).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''),
  'split/1': (t, [sep]) => str(t).split(str(sep)),
  'split/2': (t, [sep, n]) => {
    const limit = int(n);
    if (limit === 0) return [];
    const parts = str(t).split(str(sep));
    return limit < 0 || parts.length <= limit ? parts : [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(str(sep))];
  },
  'substring/1': (t, [a]) => {
    const cs = codePoints(str(t));
    const s = int(a);
    if (s < 0 || s > cs.length) fail(`index out of range: ${s}`);
    return cs.slice(s).join('');
  },
  'substring/2': (t, [a, b]) => {
    const cs = codePoints(str(t));
    const s = int(a);
    const e = int(b);
    if (s < 0 || s > cs.length || e < s || e > cs.length) fail(`index out of range: ${e}`);
    return cs.slice(s, e).join('');
  },
  'indexOf/1': (t, [p]) => {
    const i = str(t).indexOf(str(p));
    return i < 0 ? -1 : codePoints(str(t).slice(0, i)).length;
  },
  'join/0': (t) => (Array.isArray(t) && t.every((x) => typeof x === 'string') ? t.join('') : fail('no such overload')),
  'join/1': (t, [sep]) => (Array.isArray(t) && t.every((x) => typeof x === 'string') ? t.join(str(sep)) : fail('no such overload')),
  'validate/1': (t, [v]) => {
    if (!(t instanceof Format)) return fail('no such overload');
    const errs = FORMATS[t.name]!(str(v));
    return errs.length ? errs : null;
  },
};

/** Global functions, by name and argument count. */
const FUNCTIONS: Record<string, (a: unknown[]) => unknown> = {
  'size/1': ([v]) => size(v),
  'duration/1': ([v]) => (v instanceof Duration ? v : parseDuration(str(v))),
  'isIP/1': ([v]) => !(celIP(str(v)) instanceof Error),
  'matches/2': ([t, p]) => re2(str(p)).test(str(t)),
  ...Object.fromEntries(Object.keys(FORMATS).map((name) => [`format.${name}/0`, () => new Format(name)])),
};

/** Thrown while compiling a construct the fast path does not implement. */
class Unsupported extends Error {}

function qualified(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const b = qualified(e.exprKind.value.operand);
    return b === undefined ? undefined : `${b}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/** Runs `f`, returning the error instead of throwing it. */
function attempt(f: Fn, s: Scope): unknown {
  try {
    return f(s);
  } catch (e) {
    if (e instanceof CelEvalError) return e;
    throw e;
  }
}

function compileExpr(e: Expr, vars: Vars): Fn {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr': {
      const c = k.value.constantKind;
      let v: unknown;
      switch (c.case) {
        case 'nullValue':
          v = null;
          break;
        case 'boolValue':
        case 'stringValue':
        case 'doubleValue':
          v = c.value;
          break;
        case 'int64Value':
          v = Number(c.value);
          break;
        default:
          throw new Unsupported(`constant ${String(c.case)}`);
      }
      return () => v;
    }
    case 'identExpr': {
      const slot = vars.slots.get(k.value.name);
      if (slot === undefined) throw new Unsupported(`identifier ${k.value.name}`);
      return (s) => {
        const v = s[slot];
        // A comprehension's accumulator may hold an error, raised when it is read.
        if (v instanceof CelEvalError) throw v;
        return v;
      };
    }
    case 'selectExpr': {
      const operand = compileExpr(k.value.operand!, vars);
      const field = unescapeName(k.value.field);
      if (k.value.testOnly)
        return (s) => {
          const v = operand(s);
          return isMap(v) ? Object.hasOwn(v, field) : fail('invalid type for field selection');
        };
      return (s) => {
        const v = operand(s);
        if (!isMap(v)) return fail('invalid type for field selection');
        return Object.hasOwn(v, field) ? v[field] : fail(`no such key: ${field}`);
      };
    }
    case 'listExpr': {
      if (k.value.optionalIndices.length) throw new Unsupported('optional list elements');
      const items = k.value.elements.map((x) => compileExpr(x, vars));
      return (s) => items.map((f) => f(s));
    }
    case 'comprehensionExpr':
      return compileComprehension(k.value, vars);
    case 'callExpr':
      return compileCall(k.value, vars);
    default:
      throw new Unsupported(String(k.case));
  }
}

function compileComprehension(c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'], vars: Vars): Fn {
  if (c.iterVar2) throw new Unsupported('two-variable comprehension');
  const range = compileExpr(c.iterRange!, vars);
  const init = compileExpr(c.accuInit!, vars);
  const iterSlot = vars.counter.n++;
  const accuSlot = vars.counter.n++;
  const inner: Vars = { slots: new Map([...vars.slots, [c.iterVar, iterSlot], [c.accuVar, accuSlot]]), counter: vars.counter };
  const cond = compileExpr(c.loopCondition!, inner);
  const stepFn = compileExpr(c.loopStep!, inner);
  const result = compileExpr(c.result!, { slots: new Map([...vars.slots, [c.accuVar, accuSlot]]), counter: vars.counter });
  return (s) => {
    const r = range(s);
    const items = Array.isArray(r) ? r : isMap(r) ? Object.keys(r) : fail('expression does not evaluate to a list or map');
    s[accuSlot] = init(s);
    for (let i = 0; i < items.length; i++) {
      s[iterSlot] = items[i];
      if (cond(s) === false) break;
      s[accuSlot] = attempt(stepFn, s);
    }
    const acc = s[accuSlot];
    if (acc instanceof CelEvalError) throw acc;
    return result(s);
  };
}

function compileCall(c: Extract<Expr['exprKind'], { case: 'callExpr' }>['value'], vars: Vars): Fn {
  const fn = c.function;
  const qual = qualified(c.target);
  if (c.target && qual !== undefined && !vars.slots.has(qual.split('.')[0]!)) {
    const global = FUNCTIONS[`${qual}.${fn}/${c.args.length}`];
    if (!global) throw new Unsupported(`${qual}.${fn}`);
    const args = c.args.map((a) => compileExpr(a, vars));
    return (s) => global(args.map((a) => a(s)));
  }
  const args = c.args.map((a) => compileExpr(a, vars));
  const target = c.target ? compileExpr(c.target, vars) : undefined;
  const [a0, a1, a2] = args;
  switch (fn) {
    case '_&&_':
    case '_||_': {
      const short = fn === '_||_';
      return (s) => {
        const l = attempt(a0!, s);
        if (l === short) return short;
        const r = attempt(a1!, s);
        if (r === short) return short;
        if (l instanceof CelEvalError) throw l;
        if (r instanceof CelEvalError) throw r;
        if (typeof l !== 'boolean' || typeof r !== 'boolean') return fail('no such overload');
        return !short;
      };
    }
    case '_?_:_':
      return (s) => {
        const cond = a0!(s);
        if (cond === true) return a1!(s);
        if (cond === false) return a2!(s);
        return fail('no such overload');
      };
    case '@not_strictly_false':
    case '__not_strictly_false__':
      return (s) => attempt(a0!, s) !== false;
    case '!_':
      return (s) => {
        const v = a0!(s);
        return typeof v === 'boolean' ? !v : fail('no such overload');
      };
    case '-_':
      return (s) => {
        const v = a0!(s);
        return typeof v === 'number' ? -v : fail('no such overload');
      };
    case '_==_':
      return (s) => celEquals(a0!(s), a1!(s));
    case '_!=_':
      return (s) => !celEquals(a0!(s), a1!(s));
    case '_<_':
      return (s) => compare(a0!(s), a1!(s)) < 0;
    case '_<=_':
      return (s) => compare(a0!(s), a1!(s)) <= 0;
    case '_>_':
      return (s) => compare(a0!(s), a1!(s)) > 0;
    case '_>=_':
      return (s) => compare(a0!(s), a1!(s)) >= 0;
    case '_+_':
      return (s) => {
        const l = a0!(s);
        const r = a1!(s);
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        if (typeof l === 'string' && typeof r === 'string') return l + r;
        if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
        if (l instanceof Duration && r instanceof Duration) return new Duration(l.ns + r.ns);
        return fail('no such overload');
      };
    case '_-_':
      return (s) => {
        const l = a0!(s);
        const r = a1!(s);
        if (typeof l === 'number' && typeof r === 'number') return l - r;
        if (l instanceof Duration && r instanceof Duration) return new Duration(l.ns - r.ns);
        return fail('no such overload');
      };
    case '_*_':
      return (s) => {
        const l = a0!(s);
        const r = a1!(s);
        return typeof l === 'number' && typeof r === 'number' ? l * r : fail('no such overload');
      };
    case '_/_':
    case '_%_':
      return (s) => {
        const l = int(a0!(s));
        const r = int(a1!(s));
        if (r === 0) fail(fn === '_/_' ? 'division by zero' : 'modulus by zero');
        return fn === '_/_' ? Math.trunc(l / r) : l % r;
      };
    case '@in':
      return (s) => {
        const v = a0!(s);
        const coll = a1!(s);
        if (Array.isArray(coll)) return coll.some((x) => celEquals(x, v));
        if (isMap(coll)) return typeof v === 'string' && Object.hasOwn(coll, v);
        return fail('no such overload');
      };
    case '_[_]':
      return (s) => {
        const coll = a0!(s);
        const key = a1!(s);
        if (Array.isArray(coll)) {
          const i = int(key);
          return i >= 0 && i < coll.length ? coll[i] : fail(`index out of bounds: ${i}`);
        }
        if (isMap(coll)) return typeof key === 'string' && Object.hasOwn(coll, key) ? coll[key] : fail(`no such key: ${String(key)}`);
        return fail('no such overload');
      };
    default:
      break;
  }
  if (target) {
    const method = METHODS[`${fn}/${args.length}`];
    if (!method) throw new Unsupported(`method ${fn}`);
    return (s) => method(target(s), args.map((a) => a(s)));
  }
  const global = FUNCTIONS[`${fn}/${args.length}`];
  if (!global) throw new Unsupported(`function ${fn}`);
  return (s) => global(args.map((a) => a(s)));
}

/** A compiled rule: true, false, or the evaluation error. */
export type FastProgram = (self: unknown, oldSelf?: unknown) => boolean | string | CelEvalError;

/**
 * Compiles a rule (or message expression) to closures; undefined when it uses something this fast
 * path does not implement (the caller then uses `@bufbuild/cel`).
 */
export function compileFast(expr: string): FastProgram | undefined {
  let fn: Fn;
  const counter = { n: 2 };
  try {
    fn = compileExpr(parse(expr).expr, { slots: new Map([['self', 0], ['oldSelf', 1]]), counter });
  } catch {
    // Unsupported constructs, and rules that do not parse: left to @bufbuild/cel, which reports them.
    return undefined;
  }
  return (self, oldSelf) => {
    try {
      const scope: Scope = new Array(counter.n);
      scope[0] = self;
      scope[1] = oldSelf;
      const v = fn(scope);
      if (typeof v === 'boolean' || typeof v === 'string') return v;
      return new CelEvalError(`rule did not evaluate to a bool: ${String(v)}`);
    } catch (e) {
      if (e instanceof CelEvalError) return e;
      if (e instanceof RangeError || e instanceof SyntaxError) return new CelEvalError(e.message);
      throw e;
    }
  };
}
