/**
 * Label and field selectors, parsed and matched as the API server does
 * (`k8s.io/apimachinery/pkg/labels` and `fields`). A malformed selector is a {@link SelectorError}.
 */

/** A selector that cannot be parsed or names a field the resource does not support. */
export class SelectorError extends Error {}

type Requirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: '=' | '!='; values: [string] };

/** A parsed label selector: every requirement must hold. */
export type LabelSelector = readonly Requirement[];

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, selector: string): string {
  if (!LABEL_KEY.test(key) || key.length > 316) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value "${value}" in "${selector}"`);
  return value;
}

/** Parses `a=b,c!=d,e in (f,g),!h,i`. */
export function parseLabelSelector(selector: string): LabelSelector {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) reqs.push({ key: checkKey(m[1]!, selector), op: '!exists' });
    else if ((m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim(), selector));
      reqs.push({ key: checkKey(m[1]!, selector), op: m[2] as 'in' | 'notin', values });
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      reqs.push({ key: checkKey(m[1]!, selector), op: m[2] === '!=' ? '!=' : '=', values: [checkValue(m[3]!, selector)] });
    } else if (/^[^=!\s(),]+$/.test(part)) reqs.push({ key: checkKey(part, selector), op: 'exists' });
    else throw new SelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return reqs;
}

/** True when `labels` satisfy every requirement. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}

/** A parsed field selector: `path = value` or `path != value` terms, all of which must hold. */
export type FieldSelector = readonly { path: string; op: '=' | '!='; value: string }[];

/** Parses `metadata.name=x,spec.y!=z`; `allowed` lists the supported field paths. */
export function parseFieldSelector(selector: string, allowed: readonly string[]): FieldSelector {
  const out: { path: string; op: '=' | '!='; value: string }[] = [];
  for (const part of splitTopLevel(selector)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const path = m[1]!.trim();
    if (!allowed.includes(path)) {
      throw new SelectorError(`field label not supported: ${path}`);
    }
    out.push({ path, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** True when every term holds for `obj`; `source` of an Event is matched on `source.component`, as the API server does. */
export function matchesFields(selector: FieldSelector, obj: unknown): boolean {
  return selector.every((t) => {
    const v = t.path === 'source' ? fieldValue(obj, 'source.component') : fieldValue(obj, t.path);
    return t.op === '=' ? v === t.value : v !== t.value;
  });
}
