/**
 * One actor per Gateway: its `Programmed` condition over time. The graph decides acceptance
 * (GRAPH_EVALUATED); the controller reports each publication (PUBLISHED) and forwards agent acks
 * (ACK) and the set of live agents (AGENTS_CHANGED). The Gateway is Programmed=True only when
 * every expected agent has acked the revision built from its current generation with every
 * listener bound; until then the condition reads Pending at that generation.
 *
 * States: pending (unevaluated → publishing, or noAgents) → awaitingAcks → programmed | degraded
 * (rejected | timedOut), and invalid when the graph does not accept the Gateway.
 */
import { assertEvent, assign, not, setup, type SnapshotFrom } from 'xstate';
import {
  gatewayCondition,
  hasFailure,
  isServing,
  isWaiting,
  listenerStates,
  type AckView,
  type GatewayPhase,
} from './gateway-assessment.js';
import type { AgentAck, ListenerProgrammed, ProgrammedCondition } from './programmed-types.js';

/** Default time agents have to ack a published revision before the Gateway reads degraded. */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

export interface GatewayProgrammedInput {
  /** "namespace/name", for messages and logs. */
  gateway: string;
  /** Delay `ackTimeout`; default {@link DEFAULT_ACK_TIMEOUT_MS}. */
  ackTimeoutMs?: number;
}

export interface GatewayProgrammedContext extends AckView {
  gateway: string;
  /** The Gateway's generation last evaluated by the graph. */
  generation: number;
  /** Whether the graph accepted that generation. */
  accepted: boolean;
  /** Listeners the graph expects to be bound (its valid listeners). */
  listeners: string[];
  /** The latest publication: its bus revision, content hash and the generation it was built from. */
  revision: number | undefined;
  hash: string | undefined;
  publishedGeneration: number | undefined;
  /** Live agents that must serve this Gateway. */
  agents: string[];
  /** The latest ack of each agent (acks for older revisions are ignored). */
  acks: Record<string, AgentAck>;
  ackTimeoutMs: number;
  phase: GatewayPhase;
  /** The Programmed condition this state implies. */
  condition: ProgrammedCondition;
  /** Per-listener programmed state, for listener conditions. */
  listenerStatus: ListenerProgrammed[];
}

export type GatewayProgrammedEvent =
  /** The graph evaluated the Gateway; a new generation (or a change of acceptance or listeners) restarts the lifecycle. */
  | { type: 'GRAPH_EVALUATED'; generation: number; accepted: boolean; listeners: string[] }
  /** A revision built from `generation` is on the bus; `agents` are the live agents that must serve it. */
  | { type: 'PUBLISHED'; generation: number; revision: number; hash: string; agents: string[] }
  /** An agent's ack. */
  | ({ type: 'ACK' } & AgentAck)
  /** The live agents that must serve this Gateway changed. */
  | { type: 'AGENTS_CHANGED'; agents: string[] };

const outputs = (context: GatewayProgrammedContext, phase: GatewayPhase) => ({
  phase,
  condition: gatewayCondition(phase, context),
  listenerStatus: listenerStates(phase, context),
});

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const uniqueSorted = (xs: readonly string[]) => [...new Set(xs)].sort();

export const gatewayProgrammedMachine = setup({
  types: {
    context: {} as GatewayProgrammedContext,
    events: {} as GatewayProgrammedEvent,
    input: {} as GatewayProgrammedInput,
  },
  actions: {
    recordEvaluation: assign(({ event }) => {
      assertEvent(event, 'GRAPH_EVALUATED');
      return { generation: event.generation, accepted: event.accepted, listeners: [...event.listeners] };
    }),
    recordPublication: assign(({ event }) => {
      assertEvent(event, 'PUBLISHED');
      return { revision: event.revision, hash: event.hash, publishedGeneration: event.generation, agents: uniqueSorted(event.agents) };
    }),
    recordAck: assign(({ context, event }) => {
      assertEvent(event, 'ACK');
      const { type: _type, ...ack } = event;
      return { acks: { ...context.acks, [ack.agent]: ack } };
    }),
    recordAgents: assign(({ context, event }) => {
      assertEvent(event, 'AGENTS_CHANGED');
      const agents = uniqueSorted(event.agents);
      // Acks of agents that are gone are dropped: a returning agent acks again when it applies the config.
      const acks = Object.fromEntries(Object.entries(context.acks).filter(([agent]) => agents.includes(agent)));
      return { agents, acks };
    }),
    enterPhase: assign(({ context }, params: { phase: GatewayPhase }) => outputs(context, params.phase)),
    refreshOutputs: assign(({ context }) => outputs(context, context.phase)),
  },
  guards: {
    /** A later generation, or the same one with a different acceptance or listener set. Older generations are stale. */
    isNewEvaluation: ({ context, event }) => {
      assertEvent(event, 'GRAPH_EVALUATED');
      if (event.generation !== context.generation) return event.generation > context.generation;
      return event.accepted !== context.accepted || !sameList(event.listeners, context.listeners);
    },
    isAcceptedEvaluation: ({ event }) => {
      assertEvent(event, 'GRAPH_EVALUATED');
      return event.accepted;
    },
    /** A publication of the current, accepted generation, not older than the latest one seen. */
    isCurrentPublication: ({ context, event }) => {
      assertEvent(event, 'PUBLISHED');
      return event.generation === context.generation && context.accepted && (context.revision === undefined || event.revision >= context.revision);
    },
    /** An ack for the current revision and hash, or for a later revision (it may arrive before its PUBLISHED). */
    isRelevantAck: ({ context, event }) => {
      assertEvent(event, 'ACK');
      const prev = context.acks[event.agent];
      if (prev && prev.revision > event.revision) return false;
      if (context.revision === undefined) return true;
      return event.revision > context.revision || (event.revision === context.revision && event.hash === context.hash);
    },
    hasNoAgents: ({ context }) => context.agents.length === 0,
    hasAgents: ({ context }) => context.agents.length > 0,
    isServing: ({ context }) => isServing(context),
    hasFailure: ({ context }) => hasFailure(context),
    isWaiting: ({ context }) => isWaiting(context),
  },
  delays: {
    ackTimeout: ({ context }) => context.ackTimeoutMs,
  },
}).createMachine({
  id: 'gatewayProgrammed',
  context: ({ input }) => {
    const base = {
      gateway: input.gateway,
      generation: 0,
      accepted: false,
      listeners: [],
      revision: undefined,
      hash: undefined,
      publishedGeneration: undefined,
      agents: [],
      acks: {},
      ackTimeoutMs: input.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
    };
    return { ...base, ...outputs({ ...base } as unknown as GatewayProgrammedContext, 'unevaluated') };
  },
  initial: 'pending',
  on: {
    GRAPH_EVALUATED: [
      // An older or identical evaluation changes nothing.
      { guard: not('isNewEvaluation') },
      { guard: 'isAcceptedEvaluation', target: '.pending.publishing', reenter: true, actions: 'recordEvaluation' },
      { target: '.invalid', reenter: true, actions: 'recordEvaluation' },
    ],
    PUBLISHED: { guard: 'isCurrentPublication', target: '.assessing', reenter: true, actions: 'recordPublication' },
    // Acks and agent changes are recorded in every state; each state's eventless transitions then decide.
    ACK: { guard: 'isRelevantAck', actions: ['recordAck', 'refreshOutputs'] },
    AGENTS_CHANGED: { actions: ['recordAgents', 'refreshOutputs'] },
  },
  states: {
    pending: {
      initial: 'unevaluated',
      states: {
        unevaluated: { entry: { type: 'enterPhase', params: { phase: 'unevaluated' } } },
        publishing: { entry: { type: 'enterPhase', params: { phase: 'publishing' } } },
        noAgents: {
          entry: { type: 'enterPhase', params: { phase: 'noAgents' } },
          always: { guard: 'hasAgents', target: '#gatewayProgrammed.assessing' },
        },
      },
    },
    invalid: { entry: { type: 'enterPhase', params: { phase: 'invalid' } } },
    /** Transient: routes a publication (or a returning agent) to the state its acks imply. */
    assessing: {
      always: [
        { guard: 'hasNoAgents', target: 'pending.noAgents' },
        { guard: 'isServing', target: 'programmed' },
        { guard: 'hasFailure', target: 'degraded.rejected' },
        { target: 'awaitingAcks' },
      ],
    },
    awaitingAcks: {
      entry: { type: 'enterPhase', params: { phase: 'awaitingAcks' } },
      // The timer runs from entry: acks that arrive one by one do not restart it.
      after: { ackTimeout: 'degraded.timedOut' },
      always: [
        { guard: 'hasNoAgents', target: 'pending.noAgents' },
        { guard: 'isServing', target: 'programmed' },
        { guard: 'hasFailure', target: 'degraded.rejected' },
      ],
    },
    programmed: {
      entry: { type: 'enterPhase', params: { phase: 'programmed' } },
      always: [
        { guard: 'hasNoAgents', target: 'pending.noAgents' },
        { guard: 'hasFailure', target: 'degraded.rejected' },
        // A new live agent must ack too.
        { guard: 'isWaiting', target: 'awaitingAcks' },
      ],
    },
    degraded: {
      initial: 'rejected',
      states: {
        /** An expected agent refused the revision or left listeners unbound. */
        rejected: {
          entry: { type: 'enterPhase', params: { phase: 'rejected' } },
          always: [
            { guard: 'hasNoAgents', target: '#gatewayProgrammed.pending.noAgents' },
            { guard: 'isServing', target: '#gatewayProgrammed.programmed' },
            // The failing agent is gone (or acked again): wait for the others.
            { guard: 'isWaiting', target: '#gatewayProgrammed.awaitingAcks' },
          ],
        },
        /** Expected agents did not ack within the ack timeout. */
        timedOut: {
          entry: { type: 'enterPhase', params: { phase: 'timedOut' } },
          always: [
            { guard: 'hasNoAgents', target: '#gatewayProgrammed.pending.noAgents' },
            { guard: 'isServing', target: '#gatewayProgrammed.programmed' },
            { guard: 'hasFailure', target: 'rejected' },
          ],
        },
      },
    },
  },
});

/** The Programmed condition a Gateway actor's snapshot implies. */
export const gatewayProgrammedCondition = (snapshot: GatewayProgrammedSnapshot): ProgrammedCondition => snapshot.context.condition;

/** Per-listener programmed state of a Gateway actor's snapshot. */
export const gatewayListenerStatus = (snapshot: GatewayProgrammedSnapshot): ListenerProgrammed[] => snapshot.context.listenerStatus;

export type GatewayProgrammedSnapshot = SnapshotFrom<typeof gatewayProgrammedMachine>;
