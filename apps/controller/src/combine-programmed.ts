/**
 * One Gateway's Programmed state from its per-cluster lifecycles (one `gatewayProgrammedMachine`
 * actor per cluster the Gateway is published for). Pure.
 *
 * Programmed=True when every cluster that has live agents serves the current revision (each
 * actor decides that for its cluster's agents); clusters without a live agent are not waited
 * for, unless no cluster has one. Otherwise False with the most telling reason (an agent's
 * refusal first, then Pending), and a message naming each cluster that is behind.
 */
import { gatewayProgrammed, programmedPending, type Condition } from '@portway/graph';
import type { GatewayPhase, ListenerProgrammed, ProgrammedCondition } from '@portway/lifecycle';
import type { GatewayProgrammedInput } from '@portway/status';

/** One cluster's lifecycle of a Gateway, as its actor reports it. */
export interface ClusterProgrammed {
  cluster: string;
  phase: GatewayPhase;
  condition: ProgrammedCondition;
  listenerStatus: ListenerProgrammed[];
  /** The revision in force was published outside the controller (a rollback, or a direct write). */
  externalRevision?: number;
}

const RANK: Record<GatewayPhase, number> = {
  rejected: 0,
  invalid: 1,
  timedOut: 2,
  awaitingAcks: 3,
  publishing: 4,
  unevaluated: 5,
  noAgents: 6,
  programmed: 7,
};

const label = (c: ClusterProgrammed, many: boolean) => (many || c.cluster !== '' ? `cluster ${c.cluster === '' ? '""' : c.cluster}: ` : '');
const note = (c: ClusterProgrammed) =>
  c.externalRevision !== undefined ? ` (revision ${c.externalRevision} was not published by the controller: a portway rollback, or another writer)` : '';

/** Combines the clusters of one Gateway. `clusters` empty: the Gateway is published nowhere. */
export function combineProgrammed(clusters: readonly ClusterProgrammed[], nowhere: string): GatewayProgrammedInput {
  if (clusters.length === 0) return { condition: programmedPending(nowhere), listeners: {} };
  const sorted = [...clusters].sort((a, b) => a.cluster.localeCompare(b.cluster));
  const many = sorted.length > 1;
  const withAgents = sorted.filter((c) => c.phase !== 'noAgents');
  const considered = withAgents.length > 0 ? withAgents : sorted;
  const idle = withAgents.length > 0 ? sorted.filter((c) => c.phase === 'noAgents') : [];
  const worst = [...considered].sort((a, b) => RANK[a.phase] - RANK[b.phase] || a.cluster.localeCompare(b.cluster))[0]!;
  const allServe = considered.every((c) => c.phase === 'programmed');

  // Behind first, then serving, then clusters nobody serves.
  const ordered = [...considered.filter((c) => c.phase !== 'programmed'), ...considered.filter((c) => c.phase === 'programmed')];
  const parts = ordered.map((c) => `${label(c, many)}${c.condition.message}${note(c)}`);
  for (const c of idle) parts.push(`${label(c, many)}no live agent (not waited for)`);
  const message = parts.join('; ');

  const condition: Condition = allServe
    ? gatewayProgrammed(message)
    : { type: 'Programmed', status: worst.condition.status === 'True' ? 'False' : worst.condition.status, reason: worst.condition.reason, message };

  const listeners: GatewayProgrammedInput['listeners'] = {};
  const names = new Set(considered.flatMap((c) => c.listenerStatus.map((l) => l.name)));
  for (const name of names) {
    const states = considered.map((c) => ({ c, l: c.listenerStatus.find((l) => l.name === name) }));
    const failing = states.filter((s) => !s.l?.programmed);
    if (failing.length === 0) {
      listeners[name] = { programmed: true };
      continue;
    }
    const first = failing.find((s) => s.l?.reason === 'Invalid') ?? failing[0]!;
    listeners[name] = {
      programmed: false,
      reason: first.l?.reason ?? 'Pending',
      message: failing.map((s) => `${label(s.c, many)}${s.l?.message ?? 'not published'}`).join('; '),
    };
  }
  return { condition, listeners };
}
