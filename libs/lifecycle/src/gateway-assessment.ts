/**
 * Pure reading of a Gateway's acks: which expected agents serve the current revision, which
 * refused it or left listeners unbound, which are behind; and the conditions that follow. The
 * gateway machine's guards and outputs are built on these functions.
 */
import type { AckError, AgentAck, ListenerProgrammed, ProgrammedCondition } from './programmed-types.js';

/** The phases of a Gateway's Programmed lifecycle (the machine's leaf states). */
export type GatewayPhase =
  | 'unevaluated'
  | 'invalid'
  | 'publishing'
  | 'noAgents'
  | 'awaitingAcks'
  | 'programmed'
  | 'rejected'
  | 'timedOut';

/** What the assessment reads from the machine's context. */
export interface AckView {
  generation: number;
  listeners: readonly string[];
  revision: number | undefined;
  hash: string | undefined;
  agents: readonly string[];
  acks: Readonly<Record<string, AgentAck>>;
  ackTimeoutMs: number;
}

/** One expected agent that refused the current revision or left listeners unbound. */
export interface AgentFailure {
  agent: string;
  refused: boolean;
  missing: string[];
  errors: AckError[];
}

export interface Assessment {
  serving: string[];
  behind: string[];
  failures: AgentFailure[];
}

/** The ack of `agent` if it is for the current revision and hash. */
export function currentAck(v: AckView, agent: string): AgentAck | undefined {
  const a = v.acks[agent];
  return a && v.revision !== undefined && a.revision === v.revision && a.hash === v.hash ? a : undefined;
}

export function assess(v: AckView): Assessment {
  const out: Assessment = { serving: [], behind: [], failures: [] };
  for (const agent of v.agents) {
    const ack = currentAck(v, agent);
    if (!ack) {
      out.behind.push(agent);
      continue;
    }
    const missing = v.listeners.filter((l) => !ack.listenersBound.includes(l));
    if (ack.ok && missing.length === 0) out.serving.push(agent);
    else out.failures.push({ agent, refused: !ack.ok, missing, errors: ack.errors });
  }
  return out;
}

export const isServing = (v: AckView) => v.agents.length > 0 && assess(v).serving.length === v.agents.length;
export const hasFailure = (v: AckView) => assess(v).failures.length > 0;
export const isWaiting = (v: AckView) => {
  const a = assess(v);
  return v.agents.length > 0 && a.failures.length === 0 && a.behind.length > 0;
};

/** Gateway Programmed reasons an agent's error may carry through to the Gateway. */
const GATEWAY_REASONS = new Set(['Invalid', 'AddressNotUsable', 'AddressNotAssigned', 'NoResources']);

const list = (xs: readonly string[]) => xs.join(', ');
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

/** The Programmed condition of a Gateway in `phase`. */
export function gatewayCondition(phase: GatewayPhase, v: AckView): ProgrammedCondition {
  const g = v.generation;
  const c = (status: ProgrammedCondition['status'], reason: string, message: string): ProgrammedCondition => ({
    status,
    reason,
    message,
    observedGeneration: g,
  });
  const a = assess(v);
  const rev = `revision ${v.revision}`;
  switch (phase) {
    case 'unevaluated':
      return c('Unknown', 'Pending', 'Waiting for controller');
    case 'invalid':
      return c('False', 'Invalid', `Gateway generation ${g} is not accepted; nothing is programmed`);
    case 'publishing':
      return c('False', 'Pending', `Waiting for the configuration of generation ${g} to be published`);
    case 'noAgents':
      return c('False', 'Pending', `No agent serves this Gateway: ${rev} is published, waiting for an agent`);
    case 'awaitingAcks':
      return c(
        'False',
        'Pending',
        `Waiting for ${plural(a.behind.length, 'agent', 'agents')} ${list(a.behind)} to serve ${rev} (${a.serving.length} of ${v.agents.length} serving)`,
      );
    case 'programmed':
      return c('True', 'Programmed', `Served at ${rev} by ${v.agents.length} ${plural(v.agents.length, 'agent', 'agents')}: ${list(a.serving)}`);
    case 'timedOut':
      return c(
        'False',
        'Pending',
        `${plural(a.behind.length, 'Agent', 'Agents')} ${list(a.behind)} did not serve ${rev} within ${seconds(v.ackTimeoutMs)} (${a.serving.length} of ${v.agents.length} serving)`,
      );
    case 'rejected': {
      const errors = a.failures.flatMap((f) => f.errors);
      const reason = errors.find((e) => GATEWAY_REASONS.has(e.reason))?.reason ?? 'Invalid';
      return c('False', reason, a.failures.map((f) => describeFailure(f, rev)).join('; '));
    }
  }
}

function describeFailure(f: AgentFailure, rev: string): string {
  const detail = f.errors.map((e) => (e.listener ? `listener ${e.listener}: ${e.message}` : e.message));
  if (f.refused) return `Agent ${f.agent} refused ${rev}${detail.length ? `: ${detail.join(', ')}` : ''}`;
  const unexplained = f.missing.filter((l) => !f.errors.some((e) => e.listener === l));
  const parts = [...detail, ...(unexplained.length ? [`listeners not bound: ${list(unexplained)}`] : [])];
  return `Agent ${f.agent} serves ${rev} without every listener: ${parts.join(', ')}`;
}

/** Per-listener programmed state of a Gateway in `phase`. */
export function listenerStates(phase: GatewayPhase, v: AckView): ListenerProgrammed[] {
  return v.listeners.map((name) => listenerState(name, phase, v));
}

function listenerState(name: string, phase: GatewayPhase, v: AckView): ListenerProgrammed {
  const pending = (message: string): ListenerProgrammed => ({ name, programmed: false, reason: 'Pending', message, boundBy: [] });
  switch (phase) {
    case 'unevaluated':
    case 'publishing':
      return pending('Waiting for the configuration to be published');
    case 'invalid':
      return { name, programmed: false, reason: 'Invalid', message: 'The Gateway is not accepted', boundBy: [] };
    case 'noAgents':
      return pending('No agent serves this Gateway');
    default:
      break;
  }
  const boundBy: string[] = [];
  const failures: { agent: string; error?: AckError; refused: boolean }[] = [];
  const behind: string[] = [];
  for (const agent of v.agents) {
    const ack = currentAck(v, agent);
    if (!ack) behind.push(agent);
    else if (ack.ok && ack.listenersBound.includes(name)) boundBy.push(agent);
    else {
      const error = ack.errors.find((e) => e.listener === name) ?? (ack.ok ? undefined : ack.errors.find((e) => !e.listener));
      failures.push({ agent, refused: !ack.ok, ...(error ? { error } : {}) });
    }
  }
  if (v.agents.length > 0 && boundBy.length === v.agents.length) {
    return { name, programmed: true, reason: 'Programmed', message: 'Listener is programmed', boundBy };
  }
  if (failures.length > 0) {
    const cause = failures.find((x) => x.error)?.error?.reason;
    const message = failures
      .map((x) => `agent ${x.agent}: ${x.error?.message ?? (x.refused ? 'refused the revision' : 'did not bind the listener')}`)
      .join('; ');
    return { name, programmed: false, reason: 'Invalid', ...(cause ? { cause } : {}), message, boundBy };
  }
  return { name, programmed: false, reason: 'Pending', message: `Waiting for ${list(behind)}`, boundBy };
}
