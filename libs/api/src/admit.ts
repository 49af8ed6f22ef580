/**
 * `admit`: what the API server does to an object of a kind Portway reads when it is created or
 * updated — drop unknown fields, apply defaults, and validate metadata, the OpenAPI schema and every
 * CEL rule — returning a new, defaulted object or the list of field errors. The input is never mutated.
 *
 * Order (as the API server): (1) Secret `stringData` is merged into `data`;
 * `status` is dropped (the status subresource owns it) unless `status: 'keep'`; (2) unknown fields are
 * pruned and defaults applied, into a new object; (3) metadata is normalised and checked; (4) schema validation;
 * (5) list uniqueness and CEL rules (transition rules only with `old`); (6) the core kinds' own checks.
 */
import { BLOCKING_TYPES, RULES_NOT_CHECKED, invalid, notSupported, required, type FieldError } from './field-error.js';
import { lookupKind, servedVersions } from './kinds.js';
import { admitObjectMeta } from './object-meta.js';
import type { AnyObject } from './objects.js';
import { cloneJson, pruneAndDefault } from './prune-and-default.js';
import { validateRules } from './rule-validate.js';
import { validateSchema } from './schema-validate.js';

export type { FieldError } from './field-error.js';

/** How unknown fields are reported, as the API server's `fieldValidation` parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface AdmitOptions {
  /** The stored object, on an update: CEL transition rules (`oldSelf`) run only when it is given. */
  old?: unknown;
  /** Namespace for namespaced objects that name none (as `kubectl apply -n`); without it they are an error. */
  defaultNamespace?: string;
  /**
   * Unknown fields are always pruned. `Warn` (default) lists them in `warnings`, `Strict` makes them
   * errors (as `kubectl apply --validate=strict`), `Ignore` says nothing.
   */
  fieldValidation?: FieldValidation;
  /** `drop` (default): `status` is removed, as on a create or update of the main resource. `keep`: it is validated and kept. */
  status?: 'drop' | 'keep';
}

/** The outcome of admission. `warnings` name pruned unknown fields and deprecated versions. */
export type AdmitResult<T = AnyObject> =
  | { ok: true; object: T; warnings: FieldError[] }
  | { ok: false; errors: FieldError[]; warnings: FieldError[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Admits one object (create, or update when `options.old` is given). Never throws for bad input. */
export function admit(object: unknown, options: AdmitOptions = {}): AdmitResult {
  const warnings: FieldError[] = [];
  if (!isRecord(object)) return { ok: false, errors: [invalid('', object, 'must be of type object')], warnings };
  const { apiVersion, kind } = object;
  const headerErrors: FieldError[] = [];
  if (typeof apiVersion !== 'string' || apiVersion === '') headerErrors.push(required('apiVersion'));
  if (typeof kind !== 'string' || kind === '') headerErrors.push(required('kind'));
  if (headerErrors.length) return { ok: false, errors: headerErrors, warnings };
  const kv = lookupKind(apiVersion as string, kind as string);
  if (!kv) {
    const served = servedVersions(kind as string);
    let error: FieldError;
    if (served.length) {
      const e = notSupported('apiVersion', apiVersion, served);
      error = { ...e, message: `${e.message} (kind ${String(kind)})` };
    } else {
      error = { path: 'kind', type: 'NotSupported', message: `Unsupported value: "${String(kind)}": kind ${String(kind)} (apiVersion ${String(apiVersion)}) is not a kind Portway reads` };
    }
    return { ok: false, errors: [error], warnings };
  }
  if (kv.deprecated) warnings.push({ path: 'apiVersion', message: `${String(apiVersion)} ${kv.kind} is deprecated` });

  // A shallow copy is enough: pruneAndDefault copies what it keeps; `prepare` rewrites fields, so it gets a deep copy.
  const input: Record<string, unknown> = kv.core?.prepare ? cloneJson(object) : { ...object };
  if (input.metadata === undefined || input.metadata === null) input.metadata = {};
  if (!isRecord(input.metadata)) return { ok: false, errors: [invalid('metadata', input.metadata, 'must be of type object')], warnings };
  if ((options.status ?? 'drop') === 'drop') delete input.status;
  kv.core?.prepare?.(input);

  const unknown: string[] = [];
  const obj = pruneAndDefault(kv.schema, input, unknown) as Record<string, unknown>;
  const errors = admitObjectMeta(obj.metadata as Record<string, unknown>, { namespaced: kv.namespaced, nameRule: kv.nameRule, defaultNamespace: options.defaultNamespace }, unknown);
  kv.core?.defaults?.(obj);

  const fieldValidation = options.fieldValidation ?? 'Warn';
  if (fieldValidation !== 'Ignore') {
    for (const p of unknown) {
      if (fieldValidation === 'Strict') errors.push({ path: p, message: `strict decoding error: unknown field "${p}"` });
      else warnings.push({ path: p, message: `unknown field "${p}"` });
    }
  }

  const schemaErrors = validateSchema(kv.schema, obj);
  errors.push(...schemaErrors);
  // As the API server: after a blocking error (wrong type, missing, unsupported, too long or too
  // many) the CEL rules are not run, and a note says so; list uniqueness is always checked.
  const blocked = errors.some((e) => e.type !== undefined && BLOCKING_TYPES.has(e.type));
  errors.push(...validateRules(kv.schema, obj, { old: options.old, rules: !blocked }));
  if (blocked && kv.hasRules) errors.push(RULES_NOT_CHECKED);
  if (kv.core?.check && schemaErrors.length === 0) errors.push(...kv.core.check(obj));

  if (errors.length) return { ok: false, errors, warnings };
  return { ok: true, object: obj as unknown as AnyObject, warnings };
}

/** `path: message`, the way the API server prints one field error. */
export function formatFieldError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

