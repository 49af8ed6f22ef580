import { createActor, type Actor } from 'xstate';
import type { HeartbeatOutcome } from '@portway/bus';
import { gatewayProgrammedMachine, type GatewayProgrammedSnapshot } from '@portway/lifecycle';
import type { GatewayProgrammedInput } from '@portway/status';
import { combineProgrammed, type ClusterProgrammed } from './combine-programmed.js';

type GatewayActor = Actor<typeof gatewayProgrammedMachine>;

interface Tracked {
  cluster: string;
  gateway: string;
  actor: GatewayActor;
  /** A put of this key is under way: acks for newer revisions are the controller's own. */
  publishing: boolean;
  /** The revision in force came from an ack, not from the controller's own publication. */
  externalRevision?: number;
}

const SEP = '\u0000';
const keyOf = (cluster: string, gateway: string) => `${cluster}${SEP}${gateway}`;

/**
 * One `gatewayProgrammedMachine` actor per Gateway and cluster it is published for: the graph
 * says what must be served, the bus says what was published, the agents' acks (and the outcomes
 * their heartbeats repeat) say what is served. The actors decide Programmed per cluster (with
 * their ack timeout); this class routes events to them and combines the clusters of a Gateway
 * for status preparation.
 *
 * An ack for a revision newer than the controller's publication, while no put of that key is
 * under way, means someone else published it (`portway rollback`, a direct write): the revision is
 * adopted as the one in force, so the Gateway's status says whether agents serve or refused it.
 */
export class ProgrammedTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly agents = new Map<string, string[]>();

  constructor(
    private readonly onChange: () => void,
    private readonly ackTimeoutMs?: number,
  ) {}

  /** The live agents (ids) that must serve the Gateways published for `cluster`. */
  setAgents(cluster: string, agents: readonly string[]): void {
    const next = [...agents].sort();
    const prev = this.agents.get(cluster);
    if (prev && prev.length === next.length && prev.every((a, i) => a === next[i])) return;
    this.agents.set(cluster, next);
    for (const t of this.tracked.values()) if (t.cluster === cluster) t.actor.send({ type: 'AGENTS_CHANGED', agents: next });
  }

  private ensure(cluster: string, gateway: string): Tracked {
    const k = keyOf(cluster, gateway);
    let t = this.tracked.get(k);
    if (!t) {
      const actor = createActor(gatewayProgrammedMachine, {
        input: { gateway, ...(this.ackTimeoutMs !== undefined ? { ackTimeoutMs: this.ackTimeoutMs } : {}) },
      });
      actor.subscribe(() => this.onChange());
      actor.start();
      t = { cluster, gateway, actor, publishing: false };
      this.tracked.set(k, t);
      actor.send({ type: 'AGENTS_CHANGED', agents: this.agents.get(cluster) ?? [] });
    }
    return t;
  }

  /** The graph evaluated the Gateway (accepted, with these listeners) for this cluster. */
  evaluated(cluster: string, gateway: string, e: { generation: number; listeners: string[] }): void {
    this.ensure(cluster, gateway).actor.send({ type: 'GRAPH_EVALUATED', generation: e.generation, accepted: true, listeners: e.listeners });
  }

  /** A put of the Gateway's config for this cluster starts. */
  publishing(cluster: string, gateway: string): void {
    this.ensure(cluster, gateway).publishing = true;
  }

  /** A build produced (and the bus stored) the Gateway's config for this cluster. */
  published(cluster: string, gateway: string, p: { generation: number; revision: number; hash: string; listeners: string[] }): void {
    const t = this.ensure(cluster, gateway);
    t.publishing = false;
    if (t.externalRevision !== undefined && p.revision >= t.externalRevision) delete t.externalRevision;
    t.actor.send({ type: 'GRAPH_EVALUATED', generation: p.generation, accepted: true, listeners: p.listeners });
    t.actor.send({ type: 'PUBLISHED', generation: p.generation, revision: p.revision, hash: p.hash, agents: this.agents.get(cluster) ?? [] });
  }

  /** The put failed: acks for newer revisions are no longer expected from the controller. */
  publishFailed(cluster: string, gateway: string): void {
    const t = this.tracked.get(keyOf(cluster, gateway));
    if (t) t.publishing = false;
  }

  /** The Gateway is no longer published for this cluster. */
  removed(cluster: string, gateway: string): void {
    const k = keyOf(cluster, gateway);
    this.tracked.get(k)?.actor.stop();
    this.tracked.delete(k);
  }

  /** Clusters a Gateway is tracked for. */
  clustersOf(gateway: string): string[] {
    return [...this.tracked.values()].filter((t) => t.gateway === gateway).map((t) => t.cluster);
  }

  /** An agent's ack, or the outcome its heartbeat repeats. `agent` is the agent's id (see `agentId`). */
  ack(cluster: string, agent: string, gateway: string, a: HeartbeatOutcome): void {
    const t = this.tracked.get(keyOf(cluster, gateway));
    if (!t) return;
    const ctx = t.actor.getSnapshot().context;
    const prev = ctx.acks[agent];
    if (prev && prev.revision === a.revision && prev.hash === a.hash && prev.ok === a.ok && sameList(prev.listenersBound, a.listenersBound) && JSON.stringify(prev.errors) === JSON.stringify(a.errors)) {
      return;
    }
    t.actor.send({ type: 'ACK', agent, revision: a.revision, hash: a.hash, ok: a.ok, listenersBound: [...a.listenersBound], errors: [...a.errors] });
    const after = t.actor.getSnapshot().context;
    const newer = after.revision === undefined || a.revision > after.revision;
    if (newer && !t.publishing && after.accepted && after.generation > 0) {
      t.externalRevision = a.revision;
      t.actor.send({ type: 'PUBLISHED', generation: after.generation, revision: a.revision, hash: a.hash, agents: this.agents.get(cluster) ?? [] });
    }
  }

  /** Agents (ids) whose latest ack of the Gateway in `cluster` says they serve it. */
  servingAgents(cluster: string, gateway: string): string[] {
    const t = this.tracked.get(keyOf(cluster, gateway));
    if (!t) return [];
    // Serving means at least one listener bound: a config applied with every listener refused
    // (e.g. its port held by another Gateway) serves nothing.
    return Object.values(t.actor.getSnapshot().context.acks)
      .filter((a) => a.ok && a.listenersBound.length > 0)
      .map((a) => a.agent);
  }

  /** Per-cluster lifecycle of every tracked Gateway (admin API). */
  clusterStates(): Record<string, ClusterProgrammed[]> {
    const out: Record<string, ClusterProgrammed[]> = {};
    for (const t of this.tracked.values()) (out[t.gateway] ??= []).push(clusterState(t));
    return out;
  }

  /**
   * The Programmed input of every Gateway in `gateways` (all tracked ones when absent), for status
   * preparation; a listed Gateway without any cluster gets Pending with `nowhere` as its message.
   */
  snapshot(gateways?: Iterable<string>, nowhere = 'No cluster has a live agent to serve this Gateway'): Record<string, GatewayProgrammedInput> {
    const states = this.clusterStates();
    const out: Record<string, GatewayProgrammedInput> = {};
    for (const gw of gateways ?? Object.keys(states)) out[gw] = combineProgrammed(states[gw] ?? [], nowhere);
    return out;
  }

  stop(): void {
    for (const t of this.tracked.values()) t.actor.stop();
    this.tracked.clear();
  }
}

function clusterState(t: Tracked): ClusterProgrammed {
  const s: GatewayProgrammedSnapshot = t.actor.getSnapshot();
  return {
    cluster: t.cluster,
    phase: s.context.phase,
    condition: s.context.condition,
    listenerStatus: s.context.listenerStatus,
    ...(t.externalRevision !== undefined ? { externalRevision: t.externalRevision } : {}),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
