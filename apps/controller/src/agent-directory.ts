import { createActor, type Actor } from 'xstate';
import type { Heartbeat, HeartbeatOutcome } from '@portway/bus';
import { agentSessionMachine, agentSessionState, isLiveAgent } from '@portway/lifecycle';

type SessionActor = Actor<typeof agentSessionMachine>;

/** What the controller knows of one agent, from its heartbeats. */
export interface AgentRecord {
  cluster: string;
  agent: string;
  /** connected → stale (heartbeats missed; still waited for) → gone (no longer waited for). */
  state: 'connected' | 'stale' | 'gone';
  ready: boolean;
  /** What the agent binds for configs without addresses (Gateway `status.addresses`). */
  addresses: string[];
  /** Revision served per Gateway "namespace/name". */
  serving: Record<string, { revision: number; hash: string }>;
  /** Latest apply outcome per Gateway "namespace/name". */
  outcomes: Record<string, HeartbeatOutcome>;
  /** When the last heartbeat arrived (controller clock, ms since the epoch). */
  lastHeartbeatAt: number;
  heartbeats: number;
}

export interface AgentDirectoryOptions {
  /** Delay without heartbeat before an agent is stale (default: the lifecycle's 15 s). */
  staleAfterMs?: number;
  /** Delay without heartbeat before an agent is gone (default: the lifecycle's 60 s). */
  goneAfterMs?: number;
  /** The set of live agents or the set of clusters changed. */
  onMembershipChange: () => void;
  /** A heartbeat brought news (addresses, outcomes). */
  onHeartbeat?: (hb: Heartbeat) => void;
  now?: () => number;
}

/**
 * The agents the controller has heard of, by cluster, each with an `agentSessionMachine` actor
 * (connected → stale → gone, from heartbeats; a heartbeat with `stopping` makes it gone at once).
 * Clusters are remembered once seen, also when all their agents are gone: their configs stay
 * up to date on the bus, so an agent that comes back starts from the latest one, but no one
 * waits for them.
 */
export class AgentDirectory {
  private readonly sessions = new Map<string, { actor: SessionActor; record: AgentRecord }>();
  private readonly clusters = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: AgentDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Adds clusters known from elsewhere (configs found on the bus at start). */
  addClusters(clusters: Iterable<string>): void {
    let added = false;
    for (const c of clusters) {
      if (this.clusters.has(c)) continue;
      this.clusters.add(c);
      added = true;
    }
    if (added) this.options.onMembershipChange();
  }

  heartbeat(hb: Heartbeat): void {
    const id = agentId(hb.cluster, hb.agent);
    let session = this.sessions.get(id);
    const newCluster = !this.clusters.has(hb.cluster);
    this.clusters.add(hb.cluster);
    if (!session) {
      const actor = createActor(agentSessionMachine, {
        input: {
          agent: hb.agent,
          cluster: hb.cluster,
          ...(this.options.staleAfterMs !== undefined ? { staleAfterMs: this.options.staleAfterMs } : {}),
          ...(this.options.goneAfterMs !== undefined ? { goneAfterMs: this.options.goneAfterMs } : {}),
        },
      });
      const record: AgentRecord = {
        cluster: hb.cluster,
        agent: hb.agent,
        state: 'connected',
        ready: false,
        addresses: [],
        serving: {},
        outcomes: {},
        lastHeartbeatAt: 0,
        heartbeats: 0,
      };
      session = { actor, record };
      this.sessions.set(id, session);
      let live = true;
      actor.subscribe((snapshot) => {
        record.state = agentSessionState(snapshot);
        const nowLive = isLiveAgent(snapshot);
        if (nowLive !== live) {
          live = nowLive;
          this.options.onMembershipChange();
        }
      });
      actor.start();
      // A new agent is a membership change (its session starts connected).
      this.options.onMembershipChange();
    } else if (newCluster) {
      this.options.onMembershipChange();
    }
    const r = session.record;
    r.ready = hb.ready;
    r.addresses = [...(hb.addresses ?? [])].sort();
    r.serving = hb.serving;
    r.outcomes = hb.outcomes ?? {};
    r.lastHeartbeatAt = this.now();
    r.heartbeats++;
    if (hb.stopping) session.actor.send({ type: 'DISCONNECTED' });
    else session.actor.send({ type: 'HEARTBEAT', at: hb.at, ready: hb.ready, serving: hb.serving });
    this.options.onHeartbeat?.(hb);
  }

  /** Clusters ever seen (sorted). */
  knownClusters(): string[] {
    return [...this.clusters].sort();
  }

  /** Clusters with at least one agent that is not gone (sorted). */
  liveClusters(): string[] {
    return [...new Set([...this.sessions.values()].filter((s) => s.record.state !== 'gone').map((s) => s.record.cluster))].sort();
  }

  /** Names of the agents of `cluster` that are not gone (sorted). */
  liveAgents(cluster: string): string[] {
    return [...this.sessions.values()]
      .filter((s) => s.record.cluster === cluster && s.record.state !== 'gone')
      .map((s) => s.record.agent)
      .sort();
  }

  record(cluster: string, agent: string): AgentRecord | undefined {
    return this.sessions.get(agentId(cluster, agent))?.record;
  }

  /** Every agent, by cluster then name. */
  records(): AgentRecord[] {
    return [...this.sessions.values()]
      .map((s) => s.record)
      .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.agent.localeCompare(b.agent));
  }

  stop(): void {
    for (const s of this.sessions.values()) s.actor.stop();
  }
}

/**
 * How an agent is named in Programmed messages and lifecycle actors: "cluster/agent" (agent
 * names are unique within a cluster only), or the bare name in single-cluster mode (cluster "").
 */
export function agentId(cluster: string, agent: string): string {
  return cluster === '' ? agent : `${cluster}/${agent}`;
}
