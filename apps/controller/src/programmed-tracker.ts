import { createActor, type Actor } from 'xstate';
import type { Ack } from '@portway/bus';
import type { Condition } from '@portway/graph';
import { gatewayProgrammedMachine, type GatewayProgrammedSnapshot } from '@portway/lifecycle';
import type { GatewayProgrammedInput } from '@portway/status';

type GatewayActor = Actor<typeof gatewayProgrammedMachine>;

/**
 * One `gatewayProgrammedMachine` actor per served Gateway: the graph says what must be served,
 * the bus says what was published, agents' acks say what is served. The actors decide the
 * Programmed condition (with their ack timeout); this class only routes events to them and
 * reads their state for status preparation.
 */
export class ProgrammedTracker {
  private readonly actors = new Map<string, GatewayActor>();
  private agents: string[];

  constructor(
    agents: readonly string[],
    private readonly onChange: () => void,
    private readonly ackTimeoutMs?: number,
  ) {
    this.agents = [...agents];
  }

  /** The live agents that must serve every Gateway changed. */
  setAgents(agents: readonly string[]): void {
    this.agents = [...agents];
    for (const a of this.actors.values()) a.send({ type: 'AGENTS_CHANGED', agents: this.agents });
  }

  /** A build produced (and the bus stored) this Gateway's config. */
  published(gateway: string, p: { generation: number; revision: number; hash: string; listeners: string[] }): void {
    let actor = this.actors.get(gateway);
    if (!actor) {
      actor = createActor(gatewayProgrammedMachine, {
        input: { gateway, ...(this.ackTimeoutMs !== undefined ? { ackTimeoutMs: this.ackTimeoutMs } : {}) },
      });
      actor.subscribe(() => this.onChange());
      actor.start();
      this.actors.set(gateway, actor);
    }
    actor.send({ type: 'GRAPH_EVALUATED', generation: p.generation, accepted: true, listeners: p.listeners });
    actor.send({ type: 'PUBLISHED', generation: p.generation, revision: p.revision, hash: p.hash, agents: this.agents });
  }

  /** The Gateway is no longer served (deleted, or not accepted any more). */
  removed(gateway: string): void {
    this.actors.get(gateway)?.stop();
    this.actors.delete(gateway);
  }

  ack(a: Ack): void {
    this.actors.get(`${a.gateway.namespace}/${a.gateway.name}`)?.send({
      type: 'ACK',
      agent: a.agent,
      revision: a.revision,
      hash: a.hash,
      ok: a.ok,
      listenersBound: a.listenersBound,
      errors: a.errors,
    });
  }

  /** The Programmed input of every tracked Gateway, for status preparation. */
  snapshot(): Record<string, GatewayProgrammedInput> {
    const out: Record<string, GatewayProgrammedInput> = {};
    for (const [key, actor] of this.actors) out[key] = toStatusInput(actor.getSnapshot());
    return out;
  }

  stop(): void {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
  }
}

function toStatusInput(s: GatewayProgrammedSnapshot): GatewayProgrammedInput {
  const c = s.context.condition;
  const condition: Condition = { type: 'Programmed', status: c.status, reason: c.reason, message: c.message };
  const listeners: GatewayProgrammedInput['listeners'] = {};
  for (const l of s.context.listenerStatus) {
    listeners[l.name] = l.programmed ? { programmed: true } : { programmed: false, reason: l.reason, message: l.message };
  }
  return { condition, listeners };
}
