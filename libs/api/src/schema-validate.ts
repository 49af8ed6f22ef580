/**
 * The structural part of admission: types, required fields, enums, bounds, lengths, item counts,
 * patterns and formats of an OpenAPI v3 structural schema, checked by ajv (compiled once per schema)
 * and reported as the API server words them (`Required value`, `Unsupported value: ...`,
 * `Too many: 65: must have at most 64 items`, ...). `x-kubernetes-int-or-string` is a keyword here.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  childPath,
  indexPath,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
  type FieldError,
} from './field-error.js';
import { K8S_FORMATS } from './k8s-formats.js';
import type { StructuralSchema } from './schema-types.js';

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  validateFormats: true,
  formats: K8S_FORMATS,
  // Kubernetes (Go RE2) patterns used by the CRDs are plain enough for JavaScript's engine with `u`.
  unicodeRegExp: true,
  messages: false,
  // Ajv's code optimisation doubles the one-time compile of a schema (HTTPRoute: ~300 ms instead of
  // ~150 ms here) and saves about 1 µs per validated object: not worth it.
  code: { optimize: false },
});
ajv.addKeyword({
  keyword: 'x-kubernetes-int-or-string',
  schemaType: 'boolean',
  errors: true,
  validate: function intOrString(flag: boolean, data: unknown) {
    if (!flag) return true;
    const ok = typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data));
    if (!ok) (intOrString as { errors?: Partial<ErrorObject>[] }).errors = [{ keyword: 'x-kubernetes-int-or-string', params: {} }];
    return ok;
  },
});
// Schema annotations ajv need not know; declared so they are never mistaken for typos.
for (const k of [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]) {
  ajv.addKeyword({ keyword: k });
}

const compiled = new WeakMap<StructuralSchema, ValidateFunction>();

function validatorFor(schema: StructuralSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(shareRepeatedSubschemas(schema));
    compiled.set(schema, v);
  }
  return v;
}

/**
 * The same schema with every large subschema that occurs more than once (HTTPRoute's filters appear
 * under rules and under each backendRef, backend references under mirrors and auth, ...) moved to
 * `$defs` and referenced. Ajv then compiles each once, as its own small function: the first compile
 * of an HTTPRoute drops from ~280 ms to ~60 ms here, and the small functions are ones V8 optimises.
 * Validation is unchanged (instance paths do not depend on it).
 */
function shareRepeatedSubschemas(root: StructuralSchema): StructuralSchema {
  const MIN_SIZE = 400;
  const counts = new Map<string, number>();
  const text = new Map<StructuralSchema, string>();
  const children = (s: StructuralSchema) => [
    ...Object.values(s.properties ?? {}),
    ...(s.items ? [s.items] : []),
    ...(typeof s.additionalProperties === 'object' ? [s.additionalProperties] : []),
  ];
  const count = (s: StructuralSchema): void => {
    const j = JSON.stringify(s);
    text.set(s, j);
    if (j.length >= MIN_SIZE) counts.set(j, (counts.get(j) ?? 0) + 1);
    children(s).forEach(count);
  };
  count(root);
  const ids = new Map<string, string>();
  for (const [j, n] of counts) if (n > 1) ids.set(j, `s${ids.size}`);
  if (ids.size === 0) return root;
  const defs: Record<string, unknown> = {};
  const rewrite = (s: StructuralSchema, isDef: boolean): Record<string, unknown> => {
    const id = ids.get(text.get(s)!);
    if (id && !isDef) {
      if (!(id in defs)) {
        defs[id] = {};
        defs[id] = rewrite(s, true);
      }
      return { $ref: `#/$defs/${id}` };
    }
    const out: Record<string, unknown> = { ...s };
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, rewrite(p, false)]));
    if (s.items) out.items = rewrite(s.items, false);
    if (typeof s.additionalProperties === 'object') out.additionalProperties = rewrite(s.additionalProperties, false);
    return out;
  };
  const out = rewrite(root, true);
  out.$defs = defs;
  return out as StructuralSchema;
}

/** Turns a JSON pointer into a Kubernetes field path, using the schema to tell properties from map keys. */
function pointerToPath(schema: StructuralSchema | undefined, pointer: string): { path: string; schema?: StructuralSchema } {
  let path = '';
  let s = schema;
  if (pointer === '') return { path, schema: s };
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (s?.properties && Object.hasOwn(s.properties, seg)) {
      path = childPath(path, seg);
      s = s.properties[seg];
    } else if (s?.items) {
      path = indexPath(path, seg);
      s = s.items;
    } else {
      path = indexPath(path, seg);
      s = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
    }
  }
  return { path, schema: s };
}

function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  if (pointer === '') return v;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  }
  return v;
}

const COMPOSITES = new Set(['oneOf', 'anyOf']);

/** True when a branch error only says "this branch does not apply" (a discriminator mismatch). */
const isDiscriminatorMiss = (e: ErrorObject) => e.keyword === 'not' || e.keyword === 'enum' || e.keyword === 'const';

/** Validates `value` against `schema`; returns the API server's field errors (empty when valid). */
export function validateSchema(schema: StructuralSchema, value: unknown, basePath = ''): FieldError[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const prefix = (p: string) => (basePath === '' ? p : p === '' ? basePath : p.startsWith('[') ? basePath + p : `${basePath}.${p}`);

  // Errors raised inside a oneOf/anyOf branch are explained through their composite.
  const composites = errors.filter((e) => COMPOSITES.has(e.keyword));
  const inside = (e: ErrorObject, c: ErrorObject) => e !== c && e.schemaPath.startsWith(`${c.schemaPath}/`);
  const top = errors.filter((e) => !composites.some((c) => inside(e, c)));

  const explain = (e: ErrorObject): FieldError[] => {
    if (!COMPOSITES.has(e.keyword)) return [toFieldError(e)];
    const branchErrors = errors.filter((x) => inside(x, e));
    const direct = branchErrors.filter((x) => !composites.some((c) => c !== e && inside(c, e) && inside(x, c)));
    const byBranch = new Map<string, ErrorObject[]>();
    for (const x of direct) {
      const b = x.schemaPath.slice(e.schemaPath.length + 1).split('/')[0]!;
      byBranch.set(b, [...(byBranch.get(b) ?? []), x]);
    }
    const applicable = [...byBranch.values()].filter((errs) => !errs.some(isDiscriminatorMiss));
    if (e.keyword === 'oneOf' && applicable.length === 1 && (e.params as { passingSchemas?: unknown }).passingSchemas == null) {
      return applicable[0]!.flatMap(explain);
    }
    const branches = [...byBranch.values()];
    if (
      e.keyword === 'anyOf' &&
      branches.every((errs) => errs.length === 1 && errs[0]!.keyword === 'format' && errs[0]!.instancePath === e.instancePath)
    ) {
      const names = branches.map((errs) => (errs[0]!.params as { format: string }).format);
      const { path } = pointerToPath(schema, e.instancePath);
      return [invalid(prefix(path), valueAt(value, e.instancePath), `must be of type ${names.join(' or ')}`)];
    }
    const { path } = pointerToPath(schema, e.instancePath);
    return [
      invalid(
        prefix(path),
        valueAt(value, e.instancePath),
        e.keyword === 'oneOf' ? 'must validate one and only one schema (oneOf)' : 'must validate at least one schema (anyOf)',
      ),
    ];
  };

  const toFieldError = (e: ErrorObject): FieldError => {
    const { path: p } = pointerToPath(schema, e.instancePath);
    const path = prefix(p);
    const v = valueAt(value, e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        return required(childPath(path, String(params.missingProperty)));
      case 'enum':
        return notSupported(path, v, params.allowedValues as unknown[]);
      case 'type':
        return typeInvalid(path, v, `must be of type ${String(params.type)}`);
      case 'x-kubernetes-int-or-string':
        return typeInvalid(path, v, 'must be of type integer or string');
      case 'format':
        return invalid(path, v, `must be of type ${String(params.format)}`);
      case 'pattern':
        return invalid(path, v, `should match '${String(params.pattern)}'`);
      case 'minLength':
        return invalid(path, v, `should be at least ${String(params.limit)} chars long`);
      case 'maxLength':
        return tooLong(path, Number(params.limit));
      case 'minimum':
      case 'exclusiveMinimum':
        return invalid(path, v, `should be greater than ${params.comparison === '>' ? '' : 'or equal to '}${String(params.limit)}`);
      case 'maximum':
      case 'exclusiveMaximum':
        return invalid(path, v, `should be less than ${params.comparison === '<' ? '' : 'or equal to '}${String(params.limit)}`);
      case 'minItems':
        return invalid(path, Array.isArray(v) ? v.length : v, `should have at least ${String(params.limit)} items`);
      case 'maxItems':
        return tooMany(path, Array.isArray(v) ? v.length : 0, Number(params.limit));
      case 'minProperties':
        return invalid(path, v, `should have at least ${String(params.limit)} properties`);
      case 'maxProperties':
        return tooMany(path, v && typeof v === 'object' ? Object.keys(v).length : 0, Number(params.limit));
      case 'not':
        return invalid(path, v, 'must not validate the schema (not)');
      default:
        return invalid(path, v, `failed ${e.keyword} validation`);
    }
  };

  return top.flatMap(explain);
}
