import type { NatsBus } from '@portway/bus';
import type { HistorySource } from './history-source.js';

/** History read from the `portway-config` bucket's own history (KV revisions). */
export function natsHistory(bus: NatsBus): HistorySource {
  return {
    async clustersOf(namespace, name) {
      return (await bus.configKeys()).filter((k) => k.namespace === namespace && k.name === name).map((k) => k.cluster);
    },
    async revisions(key) {
      return (await bus.configHistory(key)).map((r) => ({
        revision: r.revision,
        created: r.created.toISOString(),
        hash: r.manifest.hash,
        generation: r.manifest.gateway.generation,
      }));
    },
    configAt: (key, revision) => bus.configAt(key, revision),
  };
}
