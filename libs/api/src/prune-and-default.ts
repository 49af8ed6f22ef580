/**
 * Pruning and structural defaulting, in the API server's order and manner (apiextensions-apiserver
 * `structural/pruning` and `structural/defaulting`), applied to a copy the caller owns:
 *
 * - a field not declared by `properties` is dropped, unless the node has `additionalProperties` or
 *   `x-kubernetes-preserve-unknown-fields`; each dropped field is reported as an unknown field;
 * - a `null` object field that is not `nullable` is replaced by its default, or dropped when it has none;
 * - a missing object field with a `default` gets a copy of it; defaulting then descends into every
 *   value, defaulted or not, so defaults inside array items and nested objects apply too.
 */
import { childPath, indexPath } from './field-error.js';
import type { StructuralSchema } from './schema-types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON value (defaults must never be shared between objects). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (isObject(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = cloneJson(v[k]);
    return o as T;
  }
  return v;
}

const defaultedCache = new WeakMap<StructuralSchema, [string, unknown][]>();

/** The properties of `schema` that have a default, with it. */
function defaultsOf(schema: StructuralSchema, props: Record<string, StructuralSchema>): [string, unknown][] {
  let list = defaultedCache.get(schema);
  if (!list) {
    list = Object.entries(props)
      .filter(([, p]) => p.default !== undefined)
      .map(([k, p]) => [k, p.default]);
    defaultedCache.set(schema, list);
  }
  return list;
}

/**
 * Prunes unknown fields and applies defaults below `schema`, in place. Returns the paths of the fields
 * it dropped. Values of the wrong JSON type are left for validation to report.
 */
export function pruneAndDefault(schema: StructuralSchema, value: unknown, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items) for (let i = 0; i < value.length; i++) pruneAndDefault(schema.items, value[i], indexPath(path, i), unknown);
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  if (props) {
    for (const [k, d] of defaultsOf(schema, props)) if (value[k] === undefined) value[k] = cloneJson(d as Json);
  }
  for (const k of Object.keys(value)) {
    const prop = props?.[k];
    if (prop && value[k] === null && !prop.nullable) {
      if (prop.default === undefined) {
        delete value[k];
        continue;
      }
      value[k] = cloneJson(prop.default as Json);
    }
    if (prop) pruneAndDefault(prop, value[k], childPath(path, k), unknown);
    else if (additional) pruneAndDefault(additional, value[k], indexPath(path, k), unknown);
    else if (!preserve) {
      delete value[k];
      unknown.push(childPath(path, k));
    }
  }
}
