/**
 * A readable diff of two revisions of a Gateway's IR: both as YAML, compared line by line
 * (unified format, a few lines of context), under a header naming the Gateway, the cluster, the
 * revisions, their generations and times. Pure.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { GatewayConfig } from '@portway/ir';
import type { RevisionInfo } from './history-source.js';

export interface RevisionPick {
  from: RevisionInfo;
  to: RevisionInfo;
}

/** The two revisions to compare: `from`/`to` when given (each must be stored), else the last two. */
export function pickRevisions(revisions: readonly RevisionInfo[], from?: number, to?: number): RevisionPick {
  const stored = revisions.map((r) => r.revision).join(', ');
  const find = (n: number, flag: string) => {
    const r = revisions.find((x) => x.revision === n);
    if (!r) throw new Error(`${flag} ${n}: no such revision in the history (stored: ${stored || 'none'})`);
    return r;
  };
  if (from !== undefined || to !== undefined) {
    const last = revisions.at(-1);
    const toRev = to !== undefined ? find(to, '--to') : last;
    if (!toRev) throw new Error('no revision is stored');
    const fromRev = from !== undefined ? find(from, '--from') : revisions[revisions.indexOf(toRev) - 1];
    if (!fromRev) throw new Error(`revision ${toRev.revision} is the oldest stored: give --from`);
    return { from: fromRev, to: toRev };
  }
  if (revisions.length < 2) throw new Error(`only ${revisions.length} revision${revisions.length === 1 ? '' : 's'} stored (${stored || 'none'}): nothing to compare`);
  return { from: revisions.at(-2)!, to: revisions.at(-1)! };
}

const label = (r: RevisionInfo) => `revision ${r.revision} (generation ${r.generation}, ${r.created})`;

/** The diff text; "no difference" when the contents are equal (e.g. a rollback to the same content). */
export function renderConfigDiff(gateway: string, cluster: string, pick: RevisionPick, from: GatewayConfig, to: GatewayConfig): string {
  const a = stringify(from, { lineWidth: 0, sortMapEntries: true });
  const b = stringify(to, { lineWidth: 0, sortMapEntries: true });
  const where = `Gateway ${gateway}, cluster ${cluster === '' ? '""' : cluster}`;
  if (a === b) return `${where}: ${label(pick.from)} and ${label(pick.to)} have the same content (${pick.to.hash})\n`;
  const patch = createTwoFilesPatch(`${gateway}@${pick.from.revision}`, `${gateway}@${pick.to.revision}`, a, b, label(pick.from), label(pick.to), { context: 3 });
  const body = patch.split('\n').slice(1).join('\n'); // drop the "====" separator line
  const added = body.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const removed = body.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  return `${where}: ${label(pick.from)} → ${label(pick.to)}: ${added} line${added === 1 ? '' : 's'} added, ${removed} removed\n${body}`;
}

/** The revisions as a table, newest last. */
export function renderRevisionList(gateway: string, cluster: string, revisions: readonly RevisionInfo[]): string {
  const rows = [['REVISION', 'GENERATION', 'CREATED', 'HASH'], ...revisions.map((r) => [String(r.revision), String(r.generation), r.created, r.hash.slice(0, 19)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  return `Gateway ${gateway}, cluster ${cluster === '' ? '""' : cluster}\n${table}\n`;
}
