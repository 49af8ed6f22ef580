/**
 * One actor per agent: connected → stale → gone, from heartbeats. `stale` follows a missed
 * heartbeat delay, `gone` a longer one (both counted from the last heartbeat); any heartbeat
 * brings the agent back to connected. Each change is emitted (`agent.connected`, `agent.stale`,
 * `agent.gone`), so the controller can recompute the live agents of each Gateway (AGENTS_CHANGED):
 * a stale agent is still waited for, a gone one is not.
 */
import { assertEvent, assign, emit, setup, type SnapshotFrom } from 'xstate';

/** Default delay without heartbeat before an agent is stale. */
export const DEFAULT_STALE_AFTER_MS = 15_000;
/** Default delay without heartbeat before an agent is gone. */
export const DEFAULT_GONE_AFTER_MS = 60_000;

export interface AgentSessionInput {
  agent: string;
  /** Cluster the agent serves, carried into emitted events. */
  cluster?: string;
  staleAfterMs?: number;
  /** Counted from the last heartbeat; at least `staleAfterMs`. */
  goneAfterMs?: number;
}

/** What a heartbeat says, as far as the session keeps it. */
export interface HeartbeatInfo {
  /** Milliseconds since the epoch, on the agent's clock. */
  at?: number;
  ready?: boolean;
  /** Revisions the agent serves, per Gateway "namespace/name". */
  serving?: Record<string, { revision: number; hash: string }>;
}

export interface AgentSessionContext {
  agent: string;
  cluster: string | undefined;
  staleAfterMs: number;
  goneAfterMs: number;
  heartbeats: number;
  last: HeartbeatInfo | undefined;
}

export type AgentSessionEvent =
  | ({ type: 'HEARTBEAT' } & HeartbeatInfo)
  /** The agent's connection closed or it said goodbye: gone at once. */
  | { type: 'DISCONNECTED' };

/** Events the session emits (`actor.on(type, handler)`). */
export type AgentSessionEmitted =
  | { type: 'agent.connected'; agent: string; cluster: string | undefined }
  | { type: 'agent.stale'; agent: string; cluster: string | undefined }
  | { type: 'agent.gone'; agent: string; cluster: string | undefined };

export const agentSessionMachine = setup({
  types: {
    context: {} as AgentSessionContext,
    events: {} as AgentSessionEvent,
    input: {} as AgentSessionInput,
    emitted: {} as AgentSessionEmitted,
  },
  actions: {
    recordHeartbeat: assign(({ context, event }) => {
      assertEvent(event, 'HEARTBEAT');
      const { type: _type, ...info } = event;
      return { heartbeats: context.heartbeats + 1, last: info };
    }),
    emitConnected: emit(({ context }) => ({ type: 'agent.connected' as const, agent: context.agent, cluster: context.cluster })),
    emitStale: emit(({ context }) => ({ type: 'agent.stale' as const, agent: context.agent, cluster: context.cluster })),
    emitGone: emit(({ context }) => ({ type: 'agent.gone' as const, agent: context.agent, cluster: context.cluster })),
  },
  delays: {
    staleAfter: ({ context }) => context.staleAfterMs,
    goneAfterStale: ({ context }) => context.goneAfterMs - context.staleAfterMs,
  },
}).createMachine({
  id: 'agentSession',
  context: ({ input }) => {
    const staleAfterMs = input.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    return {
      agent: input.agent,
      cluster: input.cluster,
      staleAfterMs,
      goneAfterMs: Math.max(staleAfterMs, input.goneAfterMs ?? DEFAULT_GONE_AFTER_MS),
      heartbeats: 0,
      last: undefined,
    };
  },
  initial: 'connected',
  states: {
    connected: {
      entry: 'emitConnected',
      initial: 'alive',
      states: {
        // Re-entered on every heartbeat (a transition from `connected` to its child re-enters the child
        // only), which restarts the stale timer without emitting agent.connected again.
        alive: { after: { staleAfter: '#agentSession.stale' } },
      },
      on: {
        HEARTBEAT: { target: '.alive', actions: 'recordHeartbeat' },
        DISCONNECTED: 'gone',
      },
    },
    stale: {
      entry: 'emitStale',
      after: { goneAfterStale: 'gone' },
      on: {
        HEARTBEAT: { target: 'connected', actions: 'recordHeartbeat' },
        DISCONNECTED: 'gone',
      },
    },
    gone: {
      entry: 'emitGone',
      on: {
        HEARTBEAT: { target: 'connected', actions: 'recordHeartbeat' },
      },
    },
  },
});

export type AgentSessionSnapshot = SnapshotFrom<typeof agentSessionMachine>;

/** Whether Gateways must still wait for this agent (connected or stale; not gone). */
export const isLiveAgent = (snapshot: AgentSessionSnapshot): boolean => !snapshot.matches('gone');

/** The session's state as a word: connected, stale or gone. */
export const agentSessionState = (snapshot: AgentSessionSnapshot): 'connected' | 'stale' | 'gone' =>
  snapshot.matches('connected') ? 'connected' : snapshot.matches('stale') ? 'stale' : 'gone';
