/**
 * Active health of endpoints as this process knows it, shared by every backend of every config
 * (so a config swap keeps it): endpoints are keyed "address:port", and one that is not listed is
 * healthy. The agent's primary runs the checks and pushes the results here (in every worker);
 * backends read `version` to notice a change without a callback per request.
 */
export class EndpointHealthTable {
  private readonly unhealthy = new Set<string>();
  /** Bumped on every change: backends recompute their cluster shares when it moved. */
  version = 0;

  /** False only when the endpoint's last active check result was unhealthy (no key is built while every endpoint is healthy). */
  isHealthy(address: string, port: number): boolean {
    return this.unhealthy.size === 0 || !this.unhealthy.has(endpointKey(address, port));
  }

  /** Applies check results; returns how many endpoints changed state. */
  apply(updates: Iterable<{ endpoint: string; healthy: boolean }>): number {
    let changed = 0;
    for (const u of updates) {
      const was = !this.unhealthy.has(u.endpoint);
      if (was === u.healthy) continue;
      if (u.healthy) this.unhealthy.delete(u.endpoint);
      else this.unhealthy.add(u.endpoint);
      changed++;
    }
    if (changed > 0) this.version++;
    return changed;
  }
}

/** An endpoint's key: "address:port" (health table, session persistence, flow hashing). */
export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}
