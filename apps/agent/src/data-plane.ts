import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult } from '@portway/proxy';

/** What the agent drives: the proxy in this process, or a pool of worker processes. */
export interface DataPlane {
  /** Applies the full set of configs this agent serves; resolves when every worker serves it (or refused it). */
  apply(configs: GatewayConfig[]): Promise<ApplyResult>;
  close(): Promise<void>;
  /** Active health check results ("address:port"): an unhealthy endpoint leaves rotation at once everywhere. */
  setEndpointHealth?(updates: readonly { endpoint: string; healthy: boolean }[]): void;
}

/**
 * Merges the results of several workers: a gateway is ok only if every worker accepted it, a
 * listener is bound only if every worker bound it, and errors are the union.
 */
export function mergeResults(results: readonly ApplyResult[]): ApplyResult {
  if (results.length === 1) return results[0]!;
  const out: ApplyResult = { gateways: {} };
  const keys = new Set(results.flatMap((r) => Object.keys(r.gateways)));
  for (const key of keys) {
    const parts = results.map((r) => r.gateways[key]);
    const present = parts.filter((p): p is NonNullable<typeof p> => p !== undefined);
    const bound = present.length === results.length ? present.map((p) => new Set(p.listenersBound)) : [];
    const listenersBound = bound.length ? [...bound[0]!].filter((l) => bound.every((s) => s.has(l))) : [];
    const seen = new Set<string>();
    const errors = present
      .flatMap((p) => p.errors)
      .filter((e) => {
        const k = `${e.listener ?? ''}|${e.reason}|${e.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    out.gateways[key] = { ok: present.length === results.length && present.every((p) => p.ok), listenersBound, errors };
  }
  return out;
}
