import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../manifests/yaml-docs.js';
import { getPath, setPath } from '../util/object-path.js';
import type { ChangeOp, ChangeValue } from './change-language.js';

/** What resolving a change needs besides the object itself. */
export interface ChangeContext {
  /** Values paths had before the test first changed them, by `originalKey`. */
  originals: Map<string, unknown>;
  /** Reads a path of another object ("<copy of ...>"). */
  readOther(kind: string, namespace: string | undefined, name: string, path: (string | number)[]): unknown;
  usableAddresses: readonly string[];
  unusableAddresses: readonly string[];
}

export function originalKey(o: KubeObject, path: readonly (string | number)[]): string {
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} ${JSON.stringify(path)}`;
}

/**
 * Applies one change to an object (in place) and returns it. The first time a path of an object
 * changes, its previous value is remembered so "<original ...>" and "restore the original ..."
 * can bring it back.
 */
export function applyChange(o: KubeObject, op: ChangeOp, ctx: ChangeContext): KubeObject {
  const key = originalKey(o, op.path);
  const before = structuredClone(getPath(o, op.path));
  if (!ctx.originals.has(key)) ctx.originals.set(key, before);
  switch (op.op) {
    case 'set':
      write(o, op.path, resolve(op.value, key, ctx));
      break;
    case 'append': {
      const list = Array.isArray(before) ? before : [];
      write(o, op.path, [...list, resolve(op.value, key, ctx)]);
      break;
    }
    case 'removeWhere': {
      if (!Array.isArray(before)) throw new Error(`${op.path.join('.')} is not a list`);
      const values = 'literal' in op.equals ? [op.equals.literal] : op.equals.pool === 'usable' ? ctx.usableAddresses : ctx.unusableAddresses;
      write(o, op.path, before.filter((e) => !values.includes((e as Record<string, unknown>)?.[op.field] as string)));
      break;
    }
    case 'keepWhere': {
      if (!Array.isArray(before)) throw new Error(`${op.path.join('.')} is not a list`);
      write(o, op.path, before.filter((e) => (e as Record<string, unknown>)?.[op.field] === op.equals));
      break;
    }
    case 'restore':
      write(o, op.path, structuredClone(ctx.originals.get(key)));
      break;
  }
  return o;
}

function resolve(v: ChangeValue, key: string, ctx: ChangeContext): unknown {
  if ('literal' in v) return structuredClone(v.literal);
  if ('original' in v) return structuredClone(ctx.originals.get(key));
  const value = ctx.readOther(v.copyOf.kind, v.copyOf.namespace, v.copyOf.name, v.copyOf.path);
  if (value === undefined) throw new Error(`${v.copyOf.kind} ${v.copyOf.namespace ?? ''}/${v.copyOf.name} has no ${v.copyOf.path.join('.')}`);
  return structuredClone(value);
}

/** Sets a path, deleting it when the value is undefined (a restored absent field). */
function write(o: KubeObject, path: readonly (string | number)[], value: unknown): void {
  if (value === undefined) {
    const parent = getPath(o, path.slice(0, -1));
    if (parent && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[path[path.length - 1]!];
    return;
  }
  setPath(o, path, value);
}

/**
 * Whether `actual` holds everything in `expected`: objects by key (extra keys allowed, e.g.
 * defaults), lists element by element with the same length, other values equal.
 */
export function contains(actual: unknown, expected: unknown): boolean {
  // An empty list or object, or null, is how YAML writes "nothing": an absent field matches it.
  if ((actual === undefined || actual === null) && (expected === null || isEmpty(expected))) return true;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => contains(actual[i], e));
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected as Record<string, unknown>).every(([k, v]) => v === undefined || contains((actual as Record<string, unknown>)[k], v));
  }
  return isDeepStrictEqual(actual, expected);
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length === 0;
}
