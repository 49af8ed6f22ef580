/**
 * The checks that follow the schema's structure but not its value keywords: `x-kubernetes-list-type`
 * uniqueness (`map` lists by their keys, `set` lists by value) and every CEL rule
 * (`x-kubernetes-validations`), run on the value at the rule's node converted the way the API server
 * converts it (integers are CEL ints; property names are escaped, see `escapeCelName`).
 *
 * Transition rules (those that read `oldSelf`) run only when an old value correlates with the node:
 * through object properties, map values and `map`-type list keys, as the API server correlates them.
 *
 * Speed: a rule's outcome depends only on the rule, the schema node and the value, so outcomes are
 * memoised by (rule, schema node, structural identity of the value). Structural identities come from
 * hash-consing (equal subtrees get the same small number), and CEL values are built only for a
 * rule that actually runs. The memo is bounded and cleared when full; it never changes an outcome.
 */
import { celList, celMap } from '@bufbuild/cel';
import { CelEvalError, compileFast, type FastProgram } from './cel-compile.js';
import { compileRule, escapeCelName, runMessageExpression, runRule } from './cel-rules.js';
import { childPath, duplicate, indexPath, invalid, type FieldError } from './field-error.js';
import type { StructuralSchema, ValidationRule } from './schema-types.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const NO_OLD = Symbol('no old value');
type Old = unknown;

// ------------------------------------------------------------------------------------- memo
/** One failed rule: its message, or an evaluation error (reported as an invalid value). */
interface RuleFailure {
  message: string;
  evalError: boolean;
  fieldPath?: string;
}

const MEMO_LIMIT = 1_000_000;

/** A hash-consing trie: equal sequences of (name id, child id) reach the same node, hence the same id. */
interface Trie {
  id: number;
  next?: Map<number, Trie>;
}
let nextValueId = 1;
let arrays: Trie = { id: 0 };
let objects: Trie = { id: 0 };
let strings = new Map<string, number>();
let others = new Map<unknown, number>();
const names = new Map<string, number>();
/** `valueId * 65536 + schemaId` → the failures of that node's rules ([] when all held). */
let memo = new Map<number, RuleFailure[]>();
const schemaIds = new WeakMap<StructuralSchema, number>();
let nextSchemaId = 1;

function resetMemo(): void {
  nextValueId = 1;
  arrays = { id: 0 };
  objects = { id: 0 };
  strings = new Map();
  others = new Map();
  memo = new Map();
}

function step(t: Trie, n: number): Trie {
  t.next ??= new Map();
  let c = t.next.get(n);
  if (!c) {
    c = { id: 0 };
    t.next.set(n, c);
  }
  return c;
}

function idOf(t: Trie): number {
  if (t.id === 0) t.id = nextValueId++;
  return t.id;
}

function nameId(k: string): number {
  let id = names.get(k);
  if (id === undefined) {
    id = names.size + 1;
    names.set(k, id);
  }
  return id;
}

function scalarId(v: unknown): number {
  const table = typeof v === 'string' ? strings : others;
  let id = table.get(v as never);
  if (id === undefined) {
    id = nextValueId++;
    table.set(v as never, id);
  }
  return id;
}

function schemaId(s: StructuralSchema): number {
  let id = schemaIds.get(s);
  if (id === undefined) {
    id = nextSchemaId++;
    schemaIds.set(s, id);
  }
  return id;
}

// ------------------------------------------------------------------------------------- CEL values
const celCache = new WeakMap<object, unknown>();

/** The CEL value of a JSON value described by `schema` (or by nothing: preserved unknown fields). */
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
const usesOld = new Map<string, boolean>();
function isTransitionRule(rule: string): boolean {
  let u = usesOld.get(rule);
  if (u === undefined) {
    u = /\boldSelf\b/.test(rule);
    usesOld.set(rule, u);
  }
  return u;
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

/**
 * Evaluates one rule on `value` (its JSON form) and returns undefined when it holds. The fast path
 * reads the JSON directly; other rules run on @bufbuild/cel with the CEL value `cel()` builds.
 */
function evaluate(r: ValidationRule, value: unknown, old: unknown, cel: () => Record<string, unknown>): RuleFailure | undefined {
  const fast = fastOf(r.rule);
  if (fast) {
    const out = fast(value, old);
    if (out === true) return undefined;
    if (out instanceof CelEvalError) return evalFailure(r, out.message);
    if (out !== false) return evalFailure(r, `rule did not evaluate to a bool: ${String(out)}`);
  } else {
    const program = compileRule(r.rule);
    if (program instanceof Error) return { message: `rule compile error: ${program.message}`, evalError: true, fieldPath: r.fieldPath };
    const outcome = runRule(program, cel());
    if (outcome.ok) return undefined;
    if (outcome.error !== undefined) return evalFailure(r, outcome.error);
  }
  return { message: messageOf(r, value, old, cel), evalError: false, fieldPath: r.fieldPath };
}

/** The message of a failed rule: its messageExpression's value when that is a non-empty line, else `message`. */
function messageOf(r: ValidationRule, value: unknown, old: unknown, cel: () => Record<string, unknown>): string {
  if (r.messageExpression) {
    const fast = fastOf(r.messageExpression);
    const m = fast ? fast(value, old) : runMessageExpression(r.messageExpression, cel());
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
function report(f: RuleFailure, path: string, schema: StructuralSchema, ctx: Ctx): void {
  const at = withFieldPath(path, f.fieldPath);
  ctx.errors.push(f.evalError ? invalid(at, schema.type ?? 'object', f.message) : { path: at, type: 'Invalid', message: f.message });
}

function runRules(
  schema: StructuralSchema,
  rules: readonly ValidationRule[],
  value: unknown,
  valueId: number,
  old: Old,
  path: string,
  ctx: Ctx,
): void {
  // Rules that do not read oldSelf are memoised as a group (the rules belong to the schema node).
  const key = valueId * 65536 + schemaId(schema);
  let failures = memo.get(key);
  if (failures === undefined) {
    failures = [];
    let bindings: Record<string, unknown> | undefined;
    const cel = () => (bindings ??= { self: toCel(schema, value) });
    for (const r of rules) {
      if (isTransitionRule(r.rule)) continue;
      const f = evaluate(r, value, undefined, cel);
      if (f) failures.push(f);
    }
    memo.set(key, failures);
  }
  for (const f of failures) report(f, path, schema, ctx);
  // Transition rules: only with a correlated old value (or optionalOldSelf), never memoised.
  for (const r of rules) {
    if (!isTransitionRule(r.rule)) continue;
    if (old === NO_OLD && !r.optionalOldSelf) continue;
    const oldValue = old === NO_OLD ? null : old;
    const f = evaluate(r, value, oldValue, () => ({ self: toCel(schema, value), oldSelf: oldValue === null ? null : toCel(schema, oldValue) }));
    if (f) report(f, path, schema, ctx);
  }
}

function mapKeyOf(item: unknown, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => (isObject(item) ? (item[k] ?? null) : null)));
}

function keyObject(item: unknown, keys: readonly string[]): Obj {
  const o: Obj = {};
  for (const k of keys) if (isObject(item) && item[k] !== undefined) o[k] = item[k];
  return o;
}

/**
 * Walks `value` with `schema`: checks list uniqueness, runs the rules of every node, and returns the
 * value's structural identity (equal values, equal ids).
 */
function walk(schema: StructuralSchema | undefined, value: unknown, old: Old, path: string, ctx: Ctx): number {
  let id: number;
  if (Array.isArray(value)) {
    const items = schema?.items;
    const listType = schema?.['x-kubernetes-list-type'];
    const keys = schema?.['x-kubernetes-list-map-keys'] ?? [];
    const oldByKey = new Map<string, unknown>();
    if (listType === 'map' && old !== NO_OLD && Array.isArray(old)) for (const o of old) oldByKey.set(mapKeyOf(o, keys), o);
    const seen = listType === 'map' || listType === 'set' ? new Set<string | number>() : undefined;
    let trie = arrays;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const p = indexPath(path, i);
      let itemOld: Old = NO_OLD;
      let mapKey: string | undefined;
      if (listType === 'map') {
        mapKey = mapKeyOf(item, keys);
        if (seen!.has(mapKey)) ctx.errors.push(duplicate(p, keyObject(item, keys)));
        seen!.add(mapKey);
        if (oldByKey.has(mapKey)) itemOld = oldByKey.get(mapKey);
      }
      const itemId = walk(items, item, itemOld, p, ctx);
      if (listType === 'set') {
        if (seen!.has(itemId)) ctx.errors.push(duplicate(p, item));
        seen!.add(itemId);
      }
      trie = step(trie, itemId);
    }
    id = idOf(trie);
  } else if (isObject(value)) {
    const props = schema?.properties;
    const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const oldObj = old !== NO_OLD && isObject(old) ? old : undefined;
    let trie = objects;
    for (const k of Object.keys(value)) {
      const prop = props?.[k];
      const childOld: Old = oldObj && Object.hasOwn(oldObj, k) ? oldObj[k] : NO_OLD;
      const childId = prop
        ? walk(prop, value[k], childOld, childPath(path, k), ctx)
        : walk(additional, value[k], childOld, indexPath(path, k), ctx);
      trie = step(step(trie, nameId(k)), childId);
    }
    id = idOf(trie);
  } else {
    id = scalarId(value);
  }
  const rules = schema?.['x-kubernetes-validations'];
  if (rules && ctx.rules) runRules(schema!, rules, value, id, old, path, ctx);
  return id;
}

/**
 * Checks list-type uniqueness and (unless `rules: false`) the CEL rules of `value` below `schema`.
 * `old` is the stored object on an update (transition rules run only then).
 */
export function validateRules(
  schema: StructuralSchema,
  value: unknown,
  options: { old?: unknown; path?: string; rules?: boolean } = {},
): FieldError[] {
  if (nextValueId > MEMO_LIMIT || memo.size > MEMO_LIMIT) resetMemo();
  const ctx: Ctx = { errors: [], rules: options.rules ?? true };
  walk(schema, value, options.old === undefined ? NO_OLD : options.old, options.path ?? '', ctx);
  return ctx.errors;
}
