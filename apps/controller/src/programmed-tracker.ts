import type { Ack } from '@portway/bus';
import * as cond from '@portway/graph';
import type { GatewayProgrammedInput } from '@portway/status';

interface GatewayState {
  generation: number;
  revision: number;
  hash: string;
  listeners: string[];
  acks: Map<string, Ack>;
}

/**
 * Tracks, per Gateway, what was published and what the agents acknowledged, and derives the
 * Programmed condition: True only when every expected agent acked the current revision with
 * every listener bound.
 */
export class ProgrammedTracker {
  private readonly gateways = new Map<string, GatewayState>();

  constructor(private agents: string[]) {}

  setAgents(agents: string[]): void {
    this.agents = [...agents];
  }

  published(gateway: string, p: { generation: number; revision: number; hash: string; listeners: string[] }): void {
    const prev = this.gateways.get(gateway);
    if (prev && prev.revision === p.revision && prev.hash === p.hash && prev.generation === p.generation) return;
    // Acks for the same content still hold (a republish with an unchanged hash keeps its acks).
    const acks = new Map([...(prev?.acks ?? [])].filter(([, a]) => a.hash === p.hash && a.revision === p.revision));
    this.gateways.set(gateway, { ...p, listeners: [...p.listeners], acks });
  }

  removed(gateway: string): void {
    this.gateways.delete(gateway);
  }

  /** Records an ack; returns true when it concerns the current revision of a tracked Gateway. */
  ack(a: Ack): boolean {
    const key = `${a.gateway.namespace}/${a.gateway.name}`;
    const s = this.gateways.get(key);
    if (!s || a.revision !== s.revision || a.hash !== s.hash) return false;
    s.acks.set(a.agent, a);
    return true;
  }

  /** The Programmed input of every tracked Gateway, for status preparation. */
  snapshot(): Record<string, GatewayProgrammedInput> {
    const out: Record<string, GatewayProgrammedInput> = {};
    for (const [key, s] of this.gateways) out[key] = this.programmed(s);
    return out;
  }

  private programmed(s: GatewayState): GatewayProgrammedInput {
    const listeners: GatewayProgrammedInput['listeners'] = {};
    const waiting = this.agents.filter((a) => !s.acks.has(a));
    const acks = this.agents.map((a) => s.acks.get(a)).filter((a): a is Ack => a !== undefined);
    for (const l of s.listeners) {
      const failure = acks.flatMap((a) => a.errors).find((e) => e.listener === l);
      const boundEverywhere = waiting.length === 0 && acks.length > 0 && acks.every((a) => a.listenersBound.includes(l));
      listeners[l] = boundEverywhere
        ? { programmed: true }
        : failure
          ? { programmed: false, reason: failure.reason, message: failure.message }
          : { programmed: false, reason: 'Pending', message: 'Waiting for the data plane' };
    }
    if (this.agents.length === 0) return { condition: cond.programmedPending('No agent serves this Gateway yet'), listeners };
    const refused = acks.find((a) => !a.ok);
    if (refused) {
      const e = refused.errors[0];
      return {
        condition:
          e?.reason === 'AddressNotUsable'
            ? cond.gatewayAddressNotUsable(`Agent ${refused.agent}: ${e.message}`)
            : cond.programmedInvalid(`Agent ${refused.agent} refused revision ${s.revision}: ${e ? e.message : 'unknown error'}`),
        listeners,
      };
    }
    if (waiting.length > 0) {
      return { condition: cond.programmedPending(`Waiting for agent(s) ${waiting.join(', ')} to serve revision ${s.revision}`), listeners };
    }
    const unbound = s.listeners.filter((l) => !listeners[l]!.programmed);
    if (unbound.length === s.listeners.length && s.listeners.length > 0) {
      const e = acks.flatMap((a) => a.errors)[0];
      return {
        condition:
          e?.reason === 'AddressNotUsable'
            ? cond.gatewayAddressNotUsable(e.message)
            : cond.programmedInvalid(`No listener could be served: ${e?.message ?? 'unknown error'}`),
        listeners,
      };
    }
    return {
      condition: cond.gatewayProgrammed(
        unbound.length ? `Programmed; listener(s) not served: ${unbound.join(', ')}` : `Served by ${this.agents.join(', ')} at revision ${s.revision}`,
      ),
      listeners,
    };
  }
}
