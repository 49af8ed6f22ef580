/** A plain-text table for benchmark output: columns sized to their widest cell, numbers right-aligned. */

export type Cell = string | number | null | undefined;

/** Formats a number for a table: thousands separators for big values, fixed decimals for small ones. */
export function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

/** Renders `rows` under `header`; returns the text (no trailing newline). */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((r) => header.map((_, i) => formatCell(r[i])));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The same table as Markdown (for bench/README.md). */
export function renderMarkdown(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const out = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) out.push(`| ${header.map((_, i) => formatCell(r[i])).join(' | ')} |`);
  return out.join('\n');
}
