/**
 * How a multi-cluster backend (a ServiceImport) shares requests among the clusters of the
 * ClusterSet, given how many of each cluster's endpoints are healthy. Pure: the caller gives the
 * counts, this returns each cluster's share of new requests (shares sum to 1, or every share is 0
 * when no cluster has a healthy endpoint: the caller then uses every ready endpoint anyway).
 *
 * The rules (IR `Backend.clusterPolicy`):
 *
 * - **Spread** (the default): every healthy endpoint of the ClusterSet gets the same share, so a
 *   cluster's share is its healthy endpoints over all healthy endpoints.
 * - **PreferClose**: clusters are taken in priority order — the agent's own cluster first, then
 *   `failoverOrder`, then the other clusters by name. Walking that order, each cluster takes
 *   `min(remaining, OVERPROVISIONING × healthy / total)` of what earlier clusters left (a
 *   cluster's *health* is its healthy share of its endpoints, over-provisioned by 1.4). So the
 *   local cluster keeps everything while at least 1/1.4 ≈ 71% of its endpoints are healthy,
 *   spills the rest to the next cluster as its health falls below that (half of the local
 *   endpoints healthy: 70% stays local, 30% spills), and fails over fully when none is healthy.
 *   When the walk leaves a remainder (every cluster degraded), shares are scaled up to sum to 1.
 * - **Weighted**: each cluster named in `weights` gets weight × its health (as above, capped at
 *   1), shares proportional to those. When every weighted cluster is down (or has weight 0), the
 *   clusters of `failoverOrder` take over in PreferClose fashion (in that order, each by its
 *   health), then any other cluster with a healthy endpoint.
 *
 * Health is the caller's: endpoints that are not ready in the IR are not counted at all; an
 * endpoint failing its active health check or ejected by passive outlier detection is counted in
 * `total` but not in `healthy`.
 */
import type { ClusterPolicy } from '@portway/ir';

/** Over-provisioning factor of priority spill-over (as in locality-weighted load balancing). */
export const OVERPROVISIONING = 1.4;

/** One cluster's endpoints of a backend. */
export interface ClusterCapacity {
  name: string;
  /** Ready endpoints (the IR's `ready`). */
  total: number;
  /** Ready endpoints that are neither failing active health checks nor ejected. */
  healthy: number;
}

/** A cluster's share of new requests (0..1). */
export interface ClusterShare {
  name: string;
  share: number;
}

/** `min(1, 1.4 × healthy / total)`; 0 for a cluster without endpoints. */
export function clusterHealth(c: ClusterCapacity): number {
  if (c.total <= 0 || c.healthy <= 0) return 0;
  return Math.min(1, (OVERPROVISIONING * c.healthy) / c.total);
}

/**
 * The priority order PreferClose walks: `local` first, then `failoverOrder`, then every other
 * cluster by name. Clusters named in `failoverOrder` but absent from `clusters` are skipped.
 */
export function priorityOrder(clusters: readonly ClusterCapacity[], local: string, failoverOrder: readonly string[] = []): ClusterCapacity[] {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const out: ClusterCapacity[] = [];
  const taken = new Set<string>();
  const take = (name: string) => {
    const c = byName.get(name);
    if (c === undefined || taken.has(name)) return;
    taken.add(name);
    out.push(c);
  };
  take(local);
  for (const n of failoverOrder) take(n);
  for (const n of [...byName.keys()].sort()) take(n);
  return out;
}

/** Each cluster's share of new requests under `policy` (absent: Spread), in the order of `clusters`. */
export function clusterShares(
  clusters: readonly ClusterCapacity[],
  policy: ClusterPolicy | undefined,
  local: string,
): ClusterShare[] {
  const shares = new Map<string, number>(clusters.map((c) => [c.name, 0]));
  const mode = policy?.mode ?? 'Spread';
  if (mode === 'Spread') {
    for (const c of clusters) shares.set(c.name, Math.max(0, c.healthy));
  } else if (mode === 'PreferClose') {
    spill(priorityOrder(clusters, local, policy?.failoverOrder), shares);
  } else {
    const weights = policy?.weights ?? {};
    let any = false;
    for (const c of clusters) {
      const w = (weights[c.name] ?? 0) * clusterHealth(c);
      shares.set(c.name, w);
      if (w > 0) any = true;
    }
    if (!any) {
      // Every weighted cluster is down: the failover order takes over, then the rest by name.
      spill(priorityOrder(clusters, policy?.failoverOrder?.[0] ?? '', policy?.failoverOrder ?? []), shares);
    }
  }
  return normalize(clusters, shares);
}

/** Priority spill-over: each cluster takes its health's worth of what earlier ones left. */
function spill(order: readonly ClusterCapacity[], shares: Map<string, number>): void {
  let remaining = 1;
  for (const c of order) {
    if (remaining <= 0) break;
    const take = Math.min(remaining, clusterHealth(c));
    shares.set(c.name, take);
    remaining -= take;
  }
}

function normalize(clusters: readonly ClusterCapacity[], shares: ReadonlyMap<string, number>): ClusterShare[] {
  let sum = 0;
  for (const v of shares.values()) sum += v;
  return clusters.map((c) => ({ name: c.name, share: sum > 0 ? (shares.get(c.name) ?? 0) / sum : 0 }));
}
