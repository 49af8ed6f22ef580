/**
 * The three patch types of a PATCH request: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
 * strategic merge patch (the built-in kinds' list-merge rules, as `kubectl apply` sends them). Each
 * returns a new value; the input is not mutated. A patch that cannot be applied is a {@link PatchError}.
 */
import { cloneJson, isRecord, jsonEqual } from './json.js';
import type { PatchMeta } from './resource-types.js';

/** A patch that cannot be applied (the API server answers 422 or 400). */
export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = isRecord as (v: unknown) => v is Record<string, Json>;

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const out: Record<string, Json> = isObject(target) ? cloneJson(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v) as Json;
  }
  return out;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 operations: add, remove, replace, move, copy, test. */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const doc: { root: Json } = { root: cloneJson(target) as Json };
  const parentOf = (path: string[], create: boolean) => {
    let cur: any = doc;
    let key: string | number = 'root';
    for (const seg of path) {
      cur = cur[key];
      if (Array.isArray(cur)) {
        if (seg === '-' && create) key = cur.length;
        else {
          if (!/^(0|[1-9]\d*)$/.test(seg)) throw new PatchError(`invalid array index "${seg}"`);
          key = Number(seg);
        }
      } else if (isObject(cur)) key = seg;
      else throw new PatchError(`doc is missing path: "/${path.join('/')}"`);
    }
    return { parent: cur, key };
  };
  const get = (path: string[]) => {
    const { parent, key } = parentOf(path, false);
    const value = parent[key];
    if (value === undefined) throw new PatchError(`doc is missing path: "/${path.join('/')}"`);
    return value as Json;
  };
  const remove = (path: string[]) => {
    const { parent, key } = parentOf(path, false);
    if (parent[key] === undefined) throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  };
  const add = (path: string[], value: Json) => {
    if (path.length === 0) {
      doc.root = value;
      return;
    }
    const { parent, key } = parentOf(path, true);
    if (Array.isArray(parent)) {
      if ((key as number) > parent.length) throw new PatchError(`add operation index out of bounds: /${path.join('/')}`);
      parent.splice(key as number, 0, value);
    } else parent[key] = value;
  };
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError('a JSON patch operation needs "op" and "path"');
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        add(path, cloneJson(op.value as Json));
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        get(path);
        if (path.length === 0) doc.root = cloneJson(op.value as Json);
        else {
          const { parent, key } = parentOf(path, false);
          parent[key] = cloneJson(op.value as Json);
        }
        break;
      case 'move': {
        const from = parsePointer(String(op.from));
        const v = get(from);
        remove(from);
        add(path, v);
        break;
      }
      case 'copy':
        add(path, cloneJson(get(parsePointer(String(op.from)))));
        break;
      case 'test':
        if (!jsonEqual(get(path), op.value)) throw new PatchError(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc.root;
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * Strategic merge patch: as a merge patch, except that lists whose field has `merge` strategy are
 * merged (objects by their merge key, primitives as a set) and the directives `$patch`
 * (replace/delete/merge), `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`
 * are honoured. `meta` maps dotted paths (list items as `[]`, e.g. `spec.containers[].ports`) to the
 * field's patch strategy; fields not listed are replaced.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, meta: Readonly<Record<string, PatchMeta>>): unknown {
  return mergeValue(cloneJson(target), patch, '', meta);
}

function mergeValue(orig: unknown, patch: unknown, path: string, meta: Readonly<Record<string, PatchMeta>>): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') {
    const { [DIRECTIVE]: _d, ...rest } = patch;
    return cloneJson(rest);
  }
  if (directive === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(orig) ? { ...orig } : {};
  const retain = patch[RETAIN_KEYS];
  for (const [k, v] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER)) continue;
    const childPath = path ? `${path}.${k}` : k;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.some((d) => jsonEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, childPath, meta);
      const order = patch[`${SET_ORDER}${k}`];
      if (Array.isArray(order)) out[k] = applyOrder(out[k] as unknown[], order, meta[childPath]?.mergeKey);
      continue;
    }
    const merged = mergeValue(out[k], v, childPath, meta);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(orig: unknown, patch: Json[], path: string, meta: Readonly<Record<string, PatchMeta>>): unknown[] {
  const m = meta[path];
  if (m?.strategy !== 'merge') {
    return patch.filter((p) => !(isObject(p) && p[DIRECTIVE] !== undefined)).map((p) => mergeValue(undefined, p, `${path}[]`, meta));
  }
  const base = Array.isArray(orig) ? [...orig] : [];
  if (!m.mergeKey) {
    // A list of primitives merged as a set; `{$patch: replace}` is not meaningful here.
    for (const p of patch) if (!base.some((b) => jsonEqual(b, p))) base.push(cloneJson(p));
    return base;
  }
  const key = m.mergeKey;
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p[DIRECTIVE] === 'replace')).map((p) => cloneJson(p));
  }
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`${path}: a list with merge key "${key}" must hold objects`);
    if (p[key] === undefined) throw new PatchError(`${path}: map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const i = base.findIndex((b) => isObject(b) && jsonEqual(b[key], p[key]));
    if (p[DIRECTIVE] === 'delete') {
      if (i >= 0) base.splice(i, 1);
      continue;
    }
    if (i >= 0) base[i] = mergeValue(base[i], p, `${path}[]`, meta);
    else base.push(mergeValue(undefined, p, `${path}[]`, meta));
  }
  return base;
}

function applyOrder(list: unknown[], order: Json[], mergeKey: string | undefined): unknown[] {
  const keyOf = (x: unknown) => JSON.stringify(mergeKey && isObject(x) ? x[mergeKey] : x);
  const orderKeys = order.map((o) => JSON.stringify(mergeKey && isObject(o) ? o[mergeKey] : o));
  const rank = (x: unknown) => {
    const i = orderKeys.indexOf(keyOf(x));
    return i < 0 ? orderKeys.length : i;
  };
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i)
    .map((e) => e.x);
}
