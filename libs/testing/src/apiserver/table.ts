/**
 * Server-side printing: `kubectl get` asks for a `meta.k8s.io/v1` Table; its columns are NAME, the
 * CRD's printer columns (JSONPath subset: `.a.b`, `[*]`, `[n]`, `[?(@.f=="v")]`) and AGE.
 */
import type { PrinterColumn } from './resource-types.js';

/** True when the Accept header asks for a Table. */
export const wantsTable = (accept: string | undefined): boolean => !!accept && /as=Table/.test(accept.split(',')[0] ?? '');

function evalJsonPath(obj: unknown, path: string): unknown[] {
  const tokens = path.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (t.startsWith('.')) {
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) next.push((v as Record<string, unknown>)[t.slice(1)]);
        continue;
      }
      if (!Array.isArray(v)) continue;
      const inner = t.slice(1, -1);
      const filter = /^\?\(@\.([\w.]+)\s*==\s*["']([^"']*)["']\)$/.exec(inner);
      if (inner === '*') next.push(...v);
      else if (/^\d+$/.test(inner)) next.push(v[Number(inner)]);
      else if (filter) next.push(...v.filter((x) => evalJsonPath(x, `.${filter[1]}`)[0] === filter[2]));
    }
    cur = next.filter((x) => x !== undefined);
  }
  return cur;
}

/** A duration as kubectl prints ages (`5s`, `3m2s`, `4h`, `2d`). */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function cell(obj: unknown, col: PrinterColumn, now: number): unknown {
  const values = evalJsonPath(obj, col.jsonPath);
  if (values.length === 0) return col.type === 'date' ? '<unknown>' : '<none>';
  if (col.type === 'date') return humanAge(now - Date.parse(String(values[0])));
  if (values.length === 1) return typeof values[0] === 'object' ? JSON.stringify(values[0]) : values[0];
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

/** A Table of `objects` with the given printer columns. */
export function toTable(objects: readonly Record<string, any>[], columns: readonly PrinterColumn[], resourceVersion: string, now = Date.now()): unknown {
  const cols: PrinterColumn[] = [...columns];
  if (!cols.some((c) => c.name.toLowerCase() === 'age')) cols.push({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...cols.map((c) => ({ name: c.name, type: c.type === 'date' ? 'date' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    ],
    rows: objects.map((o) => ({
      cells: [o.metadata.name, ...cols.map((c) => cell(o, c, now))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
