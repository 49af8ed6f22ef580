/**
 * Field errors in the shape and wording of the Kubernetes API server (`field.Error`): a path such as
 * `spec.rules[0].matches[1].path.value` and a message such as `Required value` or
 * `Unsupported value: "Foo": supported values: "Exact", "PathPrefix"`.
 */

/** The API server's error types (`field.ErrorType`). */
export type FieldErrorType = 'Required' | 'NotSupported' | 'Invalid' | 'TypeInvalid' | 'TooLong' | 'TooMany' | 'Duplicate' | 'Forbidden';

/** One invalid field. `message` is what the API server prints after the path. */
export interface FieldError {
  /** Dotted path with indices, e.g. `spec.rules[0].matches[1].path.value`; `""` for the object itself. */
  path: string;
  message: string;
  /** The error's type, when known (CEL rule failures are `Invalid`). */
  type?: FieldErrorType;
}

/**
 * Error types after which the API server does not run CEL rules (a rule could not be evaluated
 * meaningfully on such a value): it reports `RULES_NOT_CHECKED` instead.
 */
export const BLOCKING_TYPES: ReadonlySet<FieldErrorType> = new Set(['NotSupported', 'Required', 'TooLong', 'TooMany', 'TypeInvalid']);

/** The API server's note that CEL rules were skipped because of blocking errors. */
export const RULES_NOT_CHECKED: FieldError = {
  path: '',
  type: 'Invalid',
  message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

/** Renders a value the way `field.Error` does in its message (`%q` for strings, JSON otherwise). */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '"array"';
  return '"object"';
}

export const required = (path: string, detail = ''): FieldError => ({
  path,
  type: 'Required',
  message: detail ? `Required value: ${detail}` : 'Required value',
});

export const invalid = (path: string, value: unknown, detail: string): FieldError => ({
  path,
  type: 'Invalid',
  message: `Invalid value: ${showValue(value)}: ${detail}`,
});

/** A value of the wrong JSON type (printed as an invalid value). */
export const typeInvalid = (path: string, value: unknown, detail: string): FieldError => ({
  ...invalid(path, value, detail),
  type: 'TypeInvalid',
});

export const notSupported = (path: string, value: unknown, supported: readonly unknown[]): FieldError => ({
  path,
  type: 'NotSupported',
  message: `Unsupported value: ${showValue(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
});

export const tooMany = (path: string, actual: number, max: number): FieldError => ({
  path,
  type: 'TooMany',
  message: `Too many: ${actual}: must have at most ${max} items`,
});

export const tooLong = (path: string, max: number): FieldError => ({
  path,
  type: 'TooLong',
  message: `Too long: may not be more than ${max} bytes`,
});

export const duplicate = (path: string, value: unknown): FieldError => ({
  path,
  type: 'Duplicate',
  message: `Duplicate value: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : showValue(value)}`,
});

export const forbidden = (path: string, detail: string): FieldError => ({ path, type: 'Forbidden', message: `Forbidden: ${detail}` });

/** Appends a property to a path: `spec` + `rules` → `spec.rules`. */
export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Appends an index to a path: `spec.rules` + 0 → `spec.rules[0]`; map keys are `[key]`. */
export function indexPath(path: string, index: number | string): string {
  return `${path}[${index}]`;
}

/** A path being walked, as segments (property names and indices), turned into text only when needed. */
export type PathSegments = (string | number)[];

/** `['spec', 'rules', 0, 'name']` → `spec.rules[0].name`; `mapKeys` marks string segments that are map keys (`[key]`). */
export function pathText(segs: readonly (string | number | { key: string })[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'object') out += `[${s.key}]`;
    else out = out === '' ? s : `${out}.${s}`;
  }
  return out;
}
