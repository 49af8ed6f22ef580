/**
 * How every benchmark ends: a table for people, then exactly one JSON line with its figures
 * (the keys the issue names, plus others). Nothing is printed after the JSON line.
 */
import { renderTable, type Cell } from './table.js';

export type Figures = Record<string, number | string | boolean | null | string[] | Record<string, unknown>>;

export function printTable(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  console.log(`\n${title}\n${renderTable(header, rows)}`);
}

/** Prints a note line (skipped figures, missing parts, warnings). */
export function note(text: string): void {
  console.log(`note: ${text}`);
}

/** The final line: `{"bench": name, ...figures}`. */
export function printFigures(bench: string, figures: Figures): void {
  console.log(JSON.stringify({ bench, ...figures }));
}
