/**
 * A fast path for CEL rules: the rule's syntax tree (parsed by `@bufbuild/cel`) is translated into a
 * JavaScript function (generated once per rule, `new Function`) that reads the admitted JSON value
 * directly, with CEL's semantics for the subset the CRDs use: field selection and `has()`, indexing,
 * comparisons and CEL equality, `&&`/`||` with error absorption, `?:`, `in`, arithmetic,
 * comprehensions (so every macro: `all`, `exists`, `exists_one`, `filter`, `map`), `size`, the string
 * functions and extensions, `matches` (RE2), `duration()`, `isIP()` and `format.*().validate()`.
 *
 * A rule that uses anything else is not compiled here (`compileFast` returns undefined) and runs on
 * `@bufbuild/cel`'s evaluator, which stays the reference: a test runs both on every rule of the CRDs
 * over the admission tables' objects and requires the same outcome.
 *
 * Generated code only ever calls the helpers below; rule text reaches it only as JSON string literals.
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
  return name.replace(/__underscores__/g, '__').replace(/__dot__/g, '.').replace(/__dash__/g, '-').replace(/__slash__/g, '/');
}

/** CEL equality: numbers by value, lists and maps element-wise, other types never equal. */
function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
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
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return fail('Failed to parse duration: invalid syntax');
    const unit = DURATION_UNITS[m[3]!]!;
    ns += BigInt(m[1] || '0') * unit;
    if (m[2]) ns += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    rest = rest.slice(m[0].length);
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
const bool = (v: unknown): boolean => (typeof v === 'boolean' ? v : fail('no such overload'));

/** Methods on a target value, by name and argument count. */
const METHODS: Record<string, (t: unknown, ...a: unknown[]) => unknown> = {
  'size/0': (t) => size(t),
  'startsWith/1': (t, p) => str(t).startsWith(str(p)),
  'endsWith/1': (t, p) => str(t).endsWith(str(p)),
  'contains/1': (t, p) => str(t).includes(str(p)),
  'matches/1': (t, p) => re2(str(p)).test(str(t)),
  'lowerAscii/0': (t) => str(t).replace(/[A-Z]/g, (c) => c.toLowerCase()),
  'upperAscii/0': (t) => str(t).replace(/[a-z]/g, (c) => c.toUpperCase()),
  'trim/0': (t) => str(t).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''),
  'split/1': (t, sep) => str(t).split(str(sep)),
  'split/2': (t, sep, n) => {
    const limit = int(n);
    if (limit === 0) return [];
    const parts = str(t).split(str(sep));
    return limit < 0 || parts.length <= limit ? parts : [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(str(sep))];
  },
  'substring/1': (t, a) => {
    const cs = codePoints(str(t));
    const s = int(a);
    if (s < 0 || s > cs.length) fail(`index out of range: ${s}`);
    return cs.slice(s).join('');
  },
  'substring/2': (t, a, b) => {
    const cs = codePoints(str(t));
    const s = int(a);
    const e = int(b);
    if (s < 0 || s > cs.length || e < s || e > cs.length) fail(`index out of range: ${e}`);
    return cs.slice(s, e).join('');
  },
  'indexOf/1': (t, p) => {
    const i = str(t).indexOf(str(p));
    return i < 0 ? -1 : codePoints(str(t).slice(0, i)).length;
  },
  'join/0': (t) => (Array.isArray(t) && t.every((x) => typeof x === 'string') ? t.join('') : fail('no such overload')),
  'join/1': (t, sep) => (Array.isArray(t) && t.every((x) => typeof x === 'string') ? t.join(str(sep)) : fail('no such overload')),
  'validate/1': (t, v) => {
    if (!(t instanceof Format)) return fail('no such overload');
    const errs = FORMATS[t.name]!(str(v));
    return errs.length ? errs : null;
  },
};

/** Global functions, by name and argument count. */
const FUNCTIONS: Record<string, (...a: unknown[]) => unknown> = {
  'size/1': (v) => size(v),
  'duration/1': (v) => (v instanceof Duration ? v : parseDuration(str(v))),
  'isIP/1': (v) => !(celIP(str(v)) instanceof Error),
  'matches/2': (t, p) => re2(str(p)).test(str(t)),
  ...Object.fromEntries(Object.keys(FORMATS).map((name) => [`format.${name}/0`, () => new Format(name)])),
};

/** What generated code may call (the only names it sees besides its own variables). */
const H = {
  E: CelEvalError,
  fail,
  sel(v: unknown, f: string): unknown {
    if (!isMap(v)) return fail('invalid type for field selection');
    return Object.hasOwn(v, f) ? v[f] : fail(`no such key: ${f}`);
  },
  has(v: unknown, f: string): boolean {
    return isMap(v) ? Object.hasOwn(v, f) : fail('invalid type for field selection');
  },
  idx(coll: unknown, key: unknown): unknown {
    if (Array.isArray(coll)) {
      const i = int(key);
      return i >= 0 && i < coll.length ? coll[i] : fail(`index out of bounds: ${i}`);
    }
    if (isMap(coll)) return typeof key === 'string' && Object.hasOwn(coll, key) ? coll[key] : fail(`no such key: ${String(key)}`);
    return fail('no such overload');
  },
  eq: celEquals,
  cmp: compare,
  bool,
  not: (v: unknown) => !bool(v),
  neg: (v: unknown) => (typeof v === 'number' ? -v : fail('no such overload')),
  add(l: unknown, r: unknown): unknown {
    if (typeof l === 'number' && typeof r === 'number') return l + r;
    if (typeof l === 'string' && typeof r === 'string') return l + r;
    if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
    if (l instanceof Duration && r instanceof Duration) return new Duration(l.ns + r.ns);
    return fail('no such overload');
  },
  sub(l: unknown, r: unknown): unknown {
    if (typeof l === 'number' && typeof r === 'number') return l - r;
    if (l instanceof Duration && r instanceof Duration) return new Duration(l.ns - r.ns);
    return fail('no such overload');
  },
  mul: (l: unknown, r: unknown) => (typeof l === 'number' && typeof r === 'number' ? l * r : fail('no such overload')),
  div(l: unknown, r: unknown): number {
    const a = int(l);
    const b = int(r);
    return b === 0 ? fail('division by zero') : Math.trunc(a / b);
  },
  mod(l: unknown, r: unknown): number {
    const a = int(l);
    const b = int(r);
    return b === 0 ? fail('modulus by zero') : a % b;
  },
  in(v: unknown, coll: unknown): boolean {
    if (Array.isArray(coll)) return coll.some((x) => celEquals(x, v));
    if (isMap(coll)) return typeof v === 'string' && Object.hasOwn(coll, v);
    return fail('no such overload');
  },
  iter(r: unknown): unknown[] {
    return Array.isArray(r) ? r : isMap(r) ? Object.keys(r) : fail('expression does not evaluate to a list or map');
  },
  /** Reads an accumulator, which may hold an error. */
  acc(v: unknown): unknown {
    if (v instanceof CelEvalError) throw v;
    return v;
  },
  /** Turns a thrown CEL error into a value (anything else is a bug and is rethrown). */
  caught(e: unknown): CelEvalError {
    if (e instanceof CelEvalError) return e;
    throw e;
  },
  /** A map literal; string keys only (the JSON maps a rule can be compared with). */
  map(entries: [unknown, unknown][]): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      if (typeof k !== 'string') fail('unsupported map key type');
      if (Object.hasOwn(o, k as string)) fail(`Failed with repeated key: ${String(k)}`);
      o[k as string] = v;
    }
    return o;
  },
  M: METHODS,
  F: FUNCTIONS,
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

/**
 * Compile-time scope: CEL variable → JS variable, and whether it may hold an error (accumulators).
 * `exact`: generate CEL's error absorption (`&&`, `||`, comprehension steps catch and carry errors);
 * otherwise generate plain JavaScript logic, which is only correct while nothing throws: every rule
 * runs that optimistic version first and, if any error is thrown, reruns the exact one.
 */
interface Scope {
  vars: ReadonlyMap<string, { js: string; acc: boolean }>;
  counter: { n: number };
  exact: boolean;
}

const lit = (v: unknown) => JSON.stringify(v);

/** Generates a JS expression for `e`; errors are thrown as `H.E`. */
function gen(e: Expr, sc: Scope): string {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr': {
      const c = k.value.constantKind;
      switch (c.case) {
        case 'nullValue':
          return 'null';
        case 'boolValue':
          return String(c.value);
        case 'stringValue':
          return lit(c.value);
        case 'doubleValue':
          return Number.isFinite(c.value) ? `(${String(c.value)})` : (() => { throw new Unsupported('non-finite double'); })();
        case 'int64Value':
          return `(${String(Number(c.value))})`;
        default:
          throw new Unsupported(`constant ${String(c.case)}`);
      }
    }
    case 'identExpr': {
      const v = sc.vars.get(k.value.name);
      if (!v) throw new Unsupported(`identifier ${k.value.name}`);
      return v.acc && sc.exact ? `H.acc(${v.js})` : v.js;
    }
    case 'selectExpr': {
      const operand = gen(k.value.operand!, sc);
      const field = lit(unescapeName(k.value.field));
      return k.value.testOnly ? `H.has(${operand}, ${field})` : `H.sel(${operand}, ${field})`;
    }
    case 'listExpr':
      if (k.value.optionalIndices.length) throw new Unsupported('optional list elements');
      return `[${k.value.elements.map((x) => gen(x, sc)).join(', ')}]`;
    case 'structExpr': {
      // Map literals only ({'a': 1}); messages (typed structs) are not used by the CRDs.
      if (k.value.messageName) throw new Unsupported('message literal');
      const entries = k.value.entries.map((en) => {
        if (en.keyKind.case !== 'mapKey' || en.optionalEntry) throw new Unsupported('map entry');
        return `[${gen(en.keyKind.value, sc)}, ${gen(en.value!, sc)}]`;
      });
      return `H.map([${entries.join(', ')}])`;
    }
    case 'comprehensionExpr': {
      const c = k.value;
      if (c.iterVar2) throw new Unsupported('two-variable comprehension');
      const n = sc.counter.n++;
      const it = `it${n}`;
      const acc = `acc${n}`;
      const inner: Scope = { ...sc, vars: new Map([...sc.vars, [c.iterVar, { js: it, acc: false }], [c.accuVar, { js: acc, acc: true }]]) };
      const outer: Scope = { ...sc, vars: new Map([...sc.vars, [c.accuVar, { js: acc, acc: true }]]) };
      if (!sc.exact)
        return `((items${n}) => {
  let ${acc} = ${gen(c.accuInit!, sc)};
  for (let i${n} = 0; i${n} < items${n}.length; i${n}++) {
    const ${it} = items${n}[i${n}];
    if (${gen(c.loopCondition!, inner)} === false) break;
    ${acc} = ${gen(c.loopStep!, inner)};
  }
  return ${gen(c.result!, outer)};
})(H.iter(${gen(c.iterRange!, sc)}))`;
      return `((items${n}) => {
  let ${acc} = ${gen(c.accuInit!, sc)};
  for (let i${n} = 0; i${n} < items${n}.length; i${n}++) {
    const ${it} = items${n}[i${n}];
    let go${n};
    try { go${n} = ${gen(c.loopCondition!, inner)}; } catch (e) { go${n} = H.caught(e); }
    if (go${n} === false) break;
    try { ${acc} = ${gen(c.loopStep!, inner)}; } catch (e) { ${acc} = H.caught(e); }
  }
  return ${gen(c.result!, outer)};
})(H.iter(${gen(c.iterRange!, sc)}))`;
    }
    case 'callExpr':
      return genCall(k.value, sc);
    default:
      throw new Unsupported(String(k.case));
  }
}

function genCall(c: Extract<Expr['exprKind'], { case: 'callExpr' }>['value'], sc: Scope): string {
  const fn = c.function;
  const qual = qualified(c.target);
  if (c.target && qual !== undefined && !sc.vars.has(qual.split('.')[0]!)) {
    const key = `${qual}.${fn}/${c.args.length}`;
    if (!FUNCTIONS[key]) throw new Unsupported(key);
    return `H.F[${lit(key)}](${c.args.map((a) => gen(a, sc)).join(', ')})`;
  }
  const a = c.args.map((x) => gen(x, sc));
  switch (fn) {
    case '_&&_':
    case '_||_': {
      if (!sc.exact) return `(H.bool(${a[0]}) ${fn === '_&&_' ? '&&' : '||'} H.bool(${a[1]}))`;
      // CEL's commutative logic: a decisive operand wins over an error on the other side.
      const decisive = fn === '_||_' ? 'true' : 'false';
      return `(() => {
  let l, r;
  try { l = ${a[0]}; } catch (e) { l = H.caught(e); }
  if (l === ${decisive}) return ${decisive};
  try { r = ${a[1]}; } catch (e) { r = H.caught(e); }
  if (r === ${decisive}) return ${decisive};
  if (l instanceof H.E) throw l;
  if (r instanceof H.E) throw r;
  H.bool(l); H.bool(r);
  return ${fn === '_||_' ? 'false' : 'true'};
})()`;
    }
    case '_?_:_':
      return `(H.bool(${a[0]}) ? ${a[1]} : ${a[2]})`;
    case '@not_strictly_false':
    case '__not_strictly_false__':
      if (!sc.exact) return `(${a[0]} !== false)`;
      return `(() => { try { return ${a[0]} !== false; } catch (e) { H.caught(e); return true; } })()`;
    case '!_':
      return `H.not(${a[0]})`;
    case '-_':
      return `H.neg(${a[0]})`;
    case '_==_':
      return `H.eq(${a[0]}, ${a[1]})`;
    case '_!=_':
      return `!H.eq(${a[0]}, ${a[1]})`;
    case '_<_':
      return `(H.cmp(${a[0]}, ${a[1]}) < 0)`;
    case '_<=_':
      return `(H.cmp(${a[0]}, ${a[1]}) <= 0)`;
    case '_>_':
      return `(H.cmp(${a[0]}, ${a[1]}) > 0)`;
    case '_>=_':
      return `(H.cmp(${a[0]}, ${a[1]}) >= 0)`;
    case '_+_':
      return `H.add(${a[0]}, ${a[1]})`;
    case '_-_':
      return `H.sub(${a[0]}, ${a[1]})`;
    case '_*_':
      return `H.mul(${a[0]}, ${a[1]})`;
    case '_/_':
      return `H.div(${a[0]}, ${a[1]})`;
    case '_%_':
      return `H.mod(${a[0]}, ${a[1]})`;
    case '@in':
      return `H.in(${a[0]}, ${a[1]})`;
    case '_[_]':
      return `H.idx(${a[0]}, ${a[1]})`;
    default:
      break;
  }
  if (c.target) {
    const key = `${fn}/${c.args.length}`;
    if (!METHODS[key]) throw new Unsupported(`method ${key}`);
    return `H.M[${lit(key)}](${[gen(c.target, sc), ...a].join(', ')})`;
  }
  const key = `${fn}/${c.args.length}`;
  if (!FUNCTIONS[key]) throw new Unsupported(`function ${key}`);
  return `H.F[${lit(key)}](${a.join(', ')})`;
}

/** A compiled rule: its value (true, false, or a string for a message expression) or the evaluation error. */
export type FastProgram = (self: unknown, oldSelf?: unknown) => boolean | string | CelEvalError;

/**
 * Compiles a rule (or message expression) to a JavaScript function; undefined when it uses something
 * this fast path does not implement (the caller then uses `@bufbuild/cel`).
 */
export function compileFast(expr: string): FastProgram | undefined {
  let optimistic: string;
  let exact: string;
  try {
    const ast = parse(expr).expr;
    const vars = new Map([['self', { js: 'self', acc: false }], ['oldSelf', { js: 'oldSelf', acc: false }]]);
    optimistic = gen(ast, { vars, counter: { n: 0 }, exact: false });
    exact = gen(ast, { vars, counter: { n: 0 }, exact: true });
  } catch {
    // Unsupported constructs, and rules that do not parse: left to @bufbuild/cel, which reports them.
    return undefined;
  }
  const make = new Function(
    'H',
    `"use strict";
const result = (v) => typeof v === 'boolean' || typeof v === 'string' ? v : new H.E('rule did not evaluate to a bool: ' + String(v));
function exact(self, oldSelf) {
  try {
    return result(${exact});
  } catch (e) {
    if (e instanceof H.E) return e;
    if (e instanceof RangeError || e instanceof SyntaxError) return new H.E(e.message);
    throw e;
  }
}
return function rule(self, oldSelf) {
  try {
    return result(${optimistic});
  } catch (e) {
    // Some operand failed: CEL may still decide the result (false && error is false); ask the exact version.
    if (e instanceof H.E || e instanceof RangeError || e instanceof SyntaxError) return exact(self, oldSelf);
    throw e;
  }
};`,
  ) as (h: typeof H) => FastProgram;
  return make(H);
}
