/**
 * Field errors in the shape and wording of the Kubernetes API server (`field.Error`): a path such as
 * `spec.rules[0].matches[1].path.value` and a message such as `Required value` or
 * `Unsupported value: "Foo": supported values: "Exact", "PathPrefix"`.
 */

/** One invalid field. `message` is what the API server prints after the path. */
export interface FieldError {
  /** Dotted path with indices, e.g. `spec.rules[0].matches[1].path.value`; `""` for the object itself. */
  path: string;
  message: string;
}

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
  message: detail ? `Required value: ${detail}` : 'Required value',
});

export const invalid = (path: string, value: unknown, detail: string): FieldError => ({
  path,
  message: `Invalid value: ${showValue(value)}: ${detail}`,
});

export const notSupported = (path: string, value: unknown, supported: readonly unknown[]): FieldError => ({
  path,
  message: `Unsupported value: ${showValue(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
});

export const tooMany = (path: string, actual: number, max: number): FieldError => ({
  path,
  message: `Too many: ${actual}: must have at most ${max} items`,
});

export const tooLong = (path: string, max: number): FieldError => ({
  path,
  message: `Too long: may not be more than ${max} bytes`,
});

export const duplicate = (path: string, value: unknown): FieldError => ({
  path,
  message: `Duplicate value: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : showValue(value)}`,
});

export const forbidden = (path: string, detail: string): FieldError => ({ path, message: `Forbidden: ${detail}` });

/** Appends a property to a path: `spec` + `rules` → `spec.rules`. */
export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Appends an index to a path: `spec.rules` + 0 → `spec.rules[0]`; map keys are `[key]`. */
export function indexPath(path: string, index: number | string): string {
  return `${path}[${index}]`;
}
