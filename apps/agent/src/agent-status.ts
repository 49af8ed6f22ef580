import type { Agent } from './agent.js';

/** What `GET /status` of an agent's admin API shows. */
export interface AgentStatusReport {
  agent: string;
  cluster: string;
  ready: boolean;
  /** Addresses bound for configs that list none. */
  addresses: string[];
  /** State of the bus connection ("connected", "disconnected", "reconnecting", ...). */
  bus: string;
  gateways: {
    gateway: string;
    /** The revision served (the last one accepted). */
    revision: number;
    hash: string;
    generation: number;
    listenersBound: string[];
    errors: { listener?: string; reason: string; message: string }[];
    /** `spec.infrastructure` labels and annotations of the Gateway, from the IR. */
    infrastructure: { labels: Record<string, string>; annotations: Record<string, string> };
    /** The latest revision on the bus, when it was refused and the served one is older. */
    refused?: { revision: number; hash: string; errors: { listener?: string; reason: string; message: string }[] };
  }[];
}

/** The agent's state for its admin API. */
export function agentStatusReport(agent: Agent, info: { name: string; cluster: string; addresses: readonly string[]; bus: string }): AgentStatusReport {
  const refused = agent.refusedRevisions();
  return {
    agent: info.name,
    cluster: info.cluster,
    ready: agent.isReadyNow(),
    addresses: [...info.addresses],
    bus: info.bus,
    gateways: [...agent.serving()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([gateway, s]) => {
        const r = refused.get(gateway);
        return {
          gateway,
          revision: s.revision,
          hash: s.hash,
          generation: s.generation,
          listenersBound: s.listenersBound,
          errors: s.errors,
          infrastructure: { labels: { ...(s.infrastructure?.labels ?? {}) }, annotations: { ...(s.infrastructure?.annotations ?? {}) } },
          ...(r && r.revision !== s.revision ? { refused: r } : {}),
        };
      }),
  };
}
