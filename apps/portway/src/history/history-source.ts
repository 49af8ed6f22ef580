import type { ConfigKey } from '@portway/bus';
import type { GatewayConfig } from '@portway/ir';

/** One stored revision of a Gateway's config for one cluster. */
export interface RevisionInfo {
  /** The bus's counter (not `metadata.generation`). */
  revision: number;
  /** RFC 3339 time it was stored. */
  created: string;
  /** Content hash of the config. */
  hash: string;
  /** The Gateway's `metadata.generation` the config was built from. */
  generation: number;
}

/**
 * Where `portway diff` and `portway rollback` read history: NATS directly, or a running
 * controller's admin API (which reads NATS for them).
 */
export interface HistorySource {
  /** Clusters that hold a current config of the Gateway. */
  clustersOf(namespace: string, name: string): Promise<string[]>;
  /** Stored revisions, oldest first. */
  revisions(key: ConfigKey): Promise<RevisionInfo[]>;
  configAt(key: ConfigKey, revision: number): Promise<GatewayConfig>;
}

/** "namespace/name" → its parts; throws an Error naming the option otherwise. */
export function parseGatewayRef(value: string, option = '--gateway'): { namespace: string; name: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(value.trim());
  if (!m) throw new Error(`${option} "${value}": expected namespace/name`);
  return { namespace: m[1]!, name: m[2]! };
}
