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
import { pathText } from './field-error.js';
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

type Seg = string | number | { key: string };

/**
 * Returns a copy of `value` with unknown fields pruned and defaults applied below `schema` (the
 * input is not modified). Paths of dropped fields go to `unknown`. Values of the wrong JSON type are
 * copied as they are, for validation to report.
 */
export function pruneAndDefault(schema: StructuralSchema | undefined, value: unknown, unknown: string[]): unknown {
  return prune(schema, value, [], unknown);
}

function prune(schema: StructuralSchema | undefined, value: unknown, path: Seg[], unknown: string[]): unknown {
  if (Array.isArray(value)) {
    const items = schema?.items;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!items) {
        out[i] = cloneJson(value[i]);
        continue;
      }
      path.push(i);
      out[i] = prune(items, value[i], path, unknown);
      path.pop();
    }
    return out;
  }
  if (!isObject(value)) return value;
  if (!schema) return cloneJson(value);
  const props = schema.properties;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(value)) {
    const prop = props?.[k];
    let v = value[k];
    if (prop) {
      if (v === null && !prop.nullable) {
        if (prop.default === undefined) continue;
        v = cloneJson(prop.default as Json);
      }
      path.push(k);
      out[k] = prune(prop, v, path, unknown) as Json;
      path.pop();
    } else if (additional) {
      path.push({ key: k });
      out[k] = prune(additional, v, path, unknown) as Json;
      path.pop();
    } else if (preserve) out[k] = cloneJson(v);
    else unknown.push(pathText([...path, k]));
  }
  if (props) {
    for (const [k, d] of defaultsOf(schema, props)) {
      if (out[k] !== undefined) continue;
      // A default is copied, then defaulted itself (defaults inside a default apply too).
      path.push(k);
      out[k] = prune(props[k], cloneJson(d as Json), path, unknown) as Json;
      path.pop();
    }
  }
  return out;
}
