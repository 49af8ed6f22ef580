/**
 * The checks that follow the schema's structure but not its value keywords: `x-kubernetes-list-type`
 * uniqueness (`map` lists by their keys, `set` lists by value) and every CEL rule
 * (`x-kubernetes-validations`), run on the value at the rule's node as the API server sees it
 * (integers are CEL ints; property names are escaped, see `escapeCelName`).
 *
 * Rules run on the fast path (`cel-compile.ts`, reading the JSON value directly) and otherwise on
 * `@bufbuild/cel`, with the CEL value built only then.
 *
 * Transition rules (those that read `oldSelf`) run only when an old value correlates with the node:
 * through object properties, map values and `map`-type list keys, as the API server correlates them.
 */
import { celList, celMap } from '@bufbuild/cel';
import { CelEvalError, compileFast, type FastProgram } from './cel-compile.js';
import { compileRule, escapeCelName, runMessageExpression, runRule } from './cel-rules.js';
import { childPath, duplicate, indexPath, invalid, pathText, type FieldError } from './field-error.js';
import type { StructuralSchema, ValidationRule } from './schema-types.js';

type Obj = Record<string, unknown>;
/** A path segment: a property, an index, or a map key. */
type Seg = string | number | { key: string };
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const NO_OLD = Symbol('no old value');

/** One failed rule: its message, or an evaluation error (reported as an invalid value). */
interface RuleFailure {
  message: string;
  evalError: boolean;
  fieldPath?: string;
}

// ------------------------------------------------------------------------------------- CEL values
const celCache = new WeakMap<object, unknown>();

/** The CEL value (for `@bufbuild/cel`) of a JSON value described by `schema` (or by nothing: preserved unknown fields). */
export function toCel(schema: StructuralSchema | undefined, v: unknown): unknown {
  if (typeof v === 'number') {
    const intLike = !schema || schema.type === 'integer' || schema['x-kubernetes-int-or-string'];
    return intLike && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v !== 'object' || v === null) return v;
  const cached = celCache.get(v);
  if (cached !== undefined) return cached;
  let out: unknown;
  if (Array.isArray(v)) out = celList(v.map((x) => toCel(schema?.items, x)) as never[]);
  else {
    const o = new Map<string, unknown>();
    const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const k of Object.keys(v)) {
      const prop = schema?.properties?.[k];
      if (prop) {
        const name = escapeCelName(k);
        if (name !== undefined) o.set(name, toCel(prop, (v as Obj)[k]));
      } else o.set(k, toCel(additional, (v as Obj)[k]));
    }
    out = celMap(o as never);
  }
  celCache.set(v, out);
  return out;
}

// ------------------------------------------------------------------------------------- rules
/** A rule with what running it needs, prepared once per schema node. */
interface PreparedRule {
  rule: ValidationRule;
  fast: FastProgram | null;
  /** The rule reads oldSelf. */
  transition: boolean;
}

const prepared = new WeakMap<readonly ValidationRule[], PreparedRule[]>();

function prepare(rules: readonly ValidationRule[]): PreparedRule[] {
  let p = prepared.get(rules);
  if (!p) {
    p = rules.map((rule) => ({ rule, fast: fastOf(rule.rule), transition: /\boldSelf\b/.test(rule.rule) }));
    prepared.set(rules, p);
  }
  return p;
}

/** Resolves a rule's `fieldPath` (`.a.b`, `['x.y']`, `.list[0]`) against `path`. */
function withFieldPath(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  let out = path;
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\['([^']*)'\]|\[(\d+)\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(fieldPath))) {
    if (m[1] !== undefined) out = childPath(out, m[1]);
    else if (m[2] !== undefined) out = childPath(out, m[2]);
    else out = indexPath(out, m[3]!);
  }
  return out;
}

const fastPrograms = new Map<string, FastProgram | null>();

/** The fast-path program of a rule, or null when it needs @bufbuild/cel. */
function fastOf(expr: string): FastProgram | null {
  let p = fastPrograms.get(expr);
  if (p === undefined) {
    p = compileFast(expr) ?? null;
    fastPrograms.set(expr, p);
  }
  return p;
}

function evalFailure(r: ValidationRule, error: string): RuleFailure {
  // Worded as the API server words runtime errors (cel-go's "no such key" for a missing field).
  const err = error.replace(/^field not found: /, 'no such key: ');
  return { message: `${err} evaluating rule: ${(r.message ?? r.rule).trim()}`, evalError: true, fieldPath: r.fieldPath };
}

/** What a rule runs on: the JSON value (fast path), and the CEL bindings for @bufbuild/cel, built on demand. */
interface Subject {
  schema: StructuralSchema;
  value: unknown;
  /** The correlated old value for transition rules (null when there is none). */
  old: unknown;
  transition: boolean;
  bindings?: Record<string, unknown>;
}

function bindingsOf(s: Subject): Record<string, unknown> {
  s.bindings ??= s.transition
    ? { self: toCel(s.schema, s.value), oldSelf: s.old === null ? null : toCel(s.schema, s.old) }
    : { self: toCel(s.schema, s.value) };
  return s.bindings;
}

/** Evaluates one rule and returns undefined when it holds. */
function evaluate(pr: PreparedRule, s: Subject): RuleFailure | undefined {
  const { rule: r, fast } = pr;
  if (fast) {
    const out = fast(s.value, s.old);
    if (out === true) return undefined;
    if (out instanceof CelEvalError) return evalFailure(r, out.message);
    if (out !== false) return evalFailure(r, `rule did not evaluate to a bool: ${String(out)}`);
  } else {
    const program = compileRule(r.rule);
    if (program instanceof Error) return { message: `rule compile error: ${program.message}`, evalError: true, fieldPath: r.fieldPath };
    const outcome = runRule(program, bindingsOf(s));
    if (outcome.ok) return undefined;
    if (outcome.error !== undefined) return evalFailure(r, outcome.error);
  }
  return { message: messageOf(r, s), evalError: false, fieldPath: r.fieldPath };
}

/** The message of a failed rule: its messageExpression's value when that is a non-empty line, else `message`. */
function messageOf(r: ValidationRule, s: Subject): string {
  if (r.messageExpression) {
    const fast = fastOf(r.messageExpression);
    const m = fast ? fast(s.value, s.old) : runMessageExpression(r.messageExpression, bindingsOf(s));
    if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m;
  }
  return r.message ?? `failed rule: ${r.rule}`;
}

interface Ctx {
  errors: FieldError[];
  /** Run CEL rules (false: only list uniqueness is checked). */
  rules: boolean;
}

/** Reports a failure; evaluation errors show the node's schema type as the value, as the API server does. */
function report(f: RuleFailure, path: Seg[], schema: StructuralSchema, ctx: Ctx): void {
  const at = withFieldPath(pathText(path), f.fieldPath);
  ctx.errors.push(f.evalError ? invalid(at, schema.type ?? 'object', f.message) : { path: at, type: 'Invalid', message: f.message });
}

function runRules(schema: StructuralSchema, rules: readonly ValidationRule[], value: unknown, old: unknown, path: Seg[], ctx: Ctx): void {
  let plain: Subject | undefined;
  for (const r of prepare(rules)) {
    let subject: Subject;
    if (r.transition) {
      // Transition rules need a correlated old value (or optionalOldSelf); they get their own bindings.
      if (old === NO_OLD && !r.rule.optionalOldSelf) continue;
      subject = { schema, value, old: old === NO_OLD ? null : old, transition: true };
    } else subject = plain ??= { schema, value, old: null, transition: false };
    const f = evaluate(r, subject);
    if (f) report(f, path, schema, ctx);
  }
}

function mapKeyOf(item: unknown, keys: readonly string[]): string {
  if (keys.length === 1) {
    const v = isObject(item) ? item[keys[0]!] : undefined;
    return typeof v === 'string' ? v : JSON.stringify(v ?? null);
  }
  return JSON.stringify(keys.map((k) => (isObject(item) ? (item[k] ?? null) : null)));
}

function keyObject(item: unknown, keys: readonly string[]): Obj {
  const o: Obj = {};
  for (const k of keys) if (isObject(item) && item[k] !== undefined) o[k] = item[k];
  return o;
}

/** A stable text for set-list equality (object keys sorted). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const needsWalkCache = new WeakMap<StructuralSchema, boolean>();

/** True when `schema` or a node below it has CEL rules or a `map`/`set` list: the walk can skip the rest. */
function needsWalk(schema: StructuralSchema): boolean {
  let v = needsWalkCache.get(schema);
  if (v === undefined) {
    needsWalkCache.set(schema, false); // guards against cycles while computing
    const lt = schema['x-kubernetes-list-type'];
    v =
      !!schema['x-kubernetes-validations']?.length ||
      lt === 'map' ||
      lt === 'set' ||
      Object.values(schema.properties ?? {}).some(needsWalk) ||
      (!!schema.items && needsWalk(schema.items)) ||
      (typeof schema.additionalProperties === 'object' && needsWalk(schema.additionalProperties));
    needsWalkCache.set(schema, v);
  }
  return v;
}

/** Walks `value` with `schema`: checks list uniqueness, then runs the rules of every node (children first). */
function walk(schema: StructuralSchema | undefined, value: unknown, old: unknown, path: Seg[], ctx: Ctx): void {
  if (!schema || !needsWalk(schema)) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'map' || listType === 'set') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      for (let i = 0; i < value.length; i++) {
        const k = listType === 'map' ? mapKeyOf(value[i], keys) : canonical(value[i]);
        if (seen.has(k)) ctx.errors.push(duplicate(pathText([...path, i]), listType === 'map' ? keyObject(value[i], keys) : value[i]));
        seen.add(k);
      }
    }
    if (items && needsWalk(items)) {
      const oldByKey = new Map<string, unknown>();
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      if (listType === 'map' && old !== NO_OLD && Array.isArray(old)) for (const o of old) oldByKey.set(mapKeyOf(o, keys), o);
      for (let i = 0; i < value.length; i++) {
        let itemOld: unknown = NO_OLD;
        if (oldByKey.size) {
          const k = mapKeyOf(value[i], keys);
          if (oldByKey.has(k)) itemOld = oldByKey.get(k);
        }
        path.push(i);
        walk(items, value[i], itemOld, path, ctx);
        path.pop();
      }
    }
  } else if (isObject(value)) {
    const props = schema.properties;
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const oldObj = old !== NO_OLD && isObject(old) ? old : undefined;
    for (const k of Object.keys(value)) {
      const childOld = oldObj && Object.hasOwn(oldObj, k) ? oldObj[k] : NO_OLD;
      const prop = props?.[k];
      if (prop) {
        path.push(k);
        walk(prop, value[k], childOld, path, ctx);
        path.pop();
      } else if (additional) {
        path.push({ key: k });
        walk(additional, value[k], childOld, path, ctx);
        path.pop();
      }
    }
  }
  const rules = schema['x-kubernetes-validations'];
  if (rules && ctx.rules) runRules(schema, rules, value, old, path, ctx);
}

/**
 * Checks list-type uniqueness and (unless `rules: false`) the CEL rules of `value` below `schema`.
 * `old` is the stored object on an update (transition rules run only then).
 */
export function validateRules(
  schema: StructuralSchema,
  value: unknown,
  options: { old?: unknown; rules?: boolean } = {},
): FieldError[] {
  const ctx: Ctx = { errors: [], rules: options.rules ?? true };
  walk(schema, value, options.old === undefined ? NO_OLD : options.old, [], ctx);
  return ctx.errors;
}
