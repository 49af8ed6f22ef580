/**
 * A backend as one compiled config serves it: its ready endpoints, their upstreams, and its
 * retry budget. Endpoints leave rotation while their active health check fails (the shared
 * `EndpointHealthTable`) or passive outlier detection ejects them. A multi-cluster backend with a
 * PreferClose or Weighted cluster policy first picks a cluster by its share (cluster-selection.ts,
 * recomputed whenever health changes), then an endpoint of that cluster round-robin; otherwise
 * (Spread, or a single cluster) every healthy endpoint takes turns.
 */
import type { Backend, ClusterPolicy } from '@portway/ir';
import { compileTlsClientOptions } from '../upstream/tls-client-options.js';
import type { Upstream, UpstreamRegistry } from '../upstream/upstream.js';
import { clusterShares } from './cluster-selection.js';
import { EndpointHealthTable, endpointKey } from './endpoint-health.js';

export { endpointKey };
import { MaglevTable } from './maglev.js';
import { OutlierDetector } from './outlier-detector.js';
import { RetryBudget } from './retry-budget.js';

/** What a backend needs to know of its surroundings. */
export interface BackendContext {
  /** The cluster this agent runs in (IR `GatewayConfig.cluster`): endpoints without a cluster are in it. */
  readonly cluster: string;
  /** Active health, shared by every backend of the process. */
  readonly health: EndpointHealthTable;
}

/** One cluster's ready endpoints, taking turns. */
interface ClusterGroup {
  readonly name: string;
  readonly endpoints: readonly Upstream[];
  rr: number;
}

/** Cluster shares as last computed, and what they were computed from. */
interface Plan {
  healthVersion: number;
  outlierVersion: number;
  /** Recompute at this time (an ejected endpoint comes back). */
  validUntil: number;
  /** Share of each group (same order as `groups`). */
  shares: number[];
}

const NONE: readonly Upstream[] = [];
const NO_CONTEXT: BackendContext = { cluster: '', health: new EndpointHealthTable() };

export class BackendRuntime {
  readonly id: string;
  readonly protocol: Backend['protocol'];
  /** Ready endpoints, in IR order. */
  readonly ready: readonly Upstream[];
  /** Ready endpoints by "address:port" (session persistence). */
  readonly byEndpoint: ReadonlyMap<string, Upstream>;
  readonly budget: RetryBudget | null;
  /** Null without `healthCheck.passive`. */
  readonly outliers: OutlierDetector<Upstream> | null;
  private readonly health: EndpointHealthTable;
  /** Per-cluster groups when a cluster policy applies (PreferClose, Weighted); null: one pool. */
  private readonly groups: ClusterGroup[] | null;
  /** Group of each ready endpoint (empty for one pool). */
  private readonly groupOf = new Map<Upstream, ClusterGroup>();
  private readonly policy: ClusterPolicy | undefined;
  private readonly localCluster: string;
  private plan: Plan | null = null;
  private rr = 0;
  private flowTable: MaglevTable<Upstream> | null = null;

  constructor(backend: Backend, registry: UpstreamRegistry, ctx: BackendContext = NO_CONTEXT) {
    this.id = backend.id;
    this.protocol = backend.protocol;
    this.health = ctx.health;
    this.localCluster = ctx.cluster;
    this.policy = backend.clusterPolicy;
    const tls = backend.tls !== undefined ? compileTlsClientOptions(backend.tls) : null;
    const ready: Upstream[] = [];
    const byEndpoint = new Map<string, Upstream>();
    const byCluster = new Map<string, Upstream[]>();
    for (const ep of backend.endpoints) {
      if (!ep.ready) continue;
      const u = registry.get(backend.protocol, tls, ep.address, ep.port, ep.via);
      if (byEndpoint.has(endpointKey(ep.address, ep.port))) continue;
      ready.push(u);
      byEndpoint.set(endpointKey(ep.address, ep.port), u);
      const cluster = ep.cluster ?? ctx.cluster;
      let list = byCluster.get(cluster);
      if (list === undefined) byCluster.set(cluster, (list = []));
      list.push(u);
    }
    this.ready = ready;
    this.byEndpoint = byEndpoint;
    const mode = backend.clusterPolicy?.mode ?? 'Spread';
    this.groups = mode !== 'Spread' && ready.length > 0 ? [...byCluster].map(([name, endpoints]) => ({ name, endpoints, rr: 0 })) : null;
    if (this.groups !== null) for (const g of this.groups) for (const u of g.endpoints) this.groupOf.set(u, g);
    this.budget = backend.retryBudget !== undefined ? new RetryBudget(backend.retryBudget) : null;
    const passive = backend.healthCheck?.passive;
    this.outliers = passive !== undefined && ready.length > 0 ? new OutlierDetector(passive, ready) : null;
  }

  /** Whether an endpoint may take requests now: its active check passes and it is not ejected. */
  available(u: Upstream, now: number): boolean {
    if (!this.health.isHealthy(u.address, u.port)) return false;
    return this.outliers === null || !this.outliers.isEjected(u, now);
  }

  /**
   * Next endpoint to use, or null when the backend has none. Unavailable endpoints are skipped;
   * when no endpoint at all is available, every ready one is used anyway (better than failing
   * every request). `avoid` (a retry: the endpoints this request already tried, the last one
   * last) is skipped when another endpoint can take the request: another healthy one of the last
   * one's cluster, else one of the other clusters by their shares.
   */
  next(avoid: Upstream | readonly Upstream[] | null = null): Upstream | null {
    const n = this.ready.length;
    if (n === 0) return null;
    const avoided: readonly Upstream[] = avoid === null ? NONE : Array.isArray(avoid) ? avoid : [avoid as Upstream];
    const now = this.outliers !== null ? Date.now() : 0;
    if (this.groups !== null) {
      const u = this.pickByCluster(now, avoided);
      if (u !== null) return u;
    } else {
      for (let tries = 0; tries < n; tries++) {
        const i = this.rr;
        this.rr = i + 1 >= n ? 0 : i + 1;
        const u = this.ready[i]!;
        if ((avoided.length === 0 || !avoided.includes(u)) && this.available(u, now)) return u;
      }
      const last = avoided.at(-1);
      if (last !== undefined && this.available(last, now)) return last;
    }
    // Nothing is available: use every ready endpoint anyway.
    const i = this.rr;
    this.rr = i + 1 >= n ? 0 : i + 1;
    return this.ready[i]!;
  }

  private pickByCluster(now: number, avoided: readonly Upstream[]): Upstream | null {
    const groups = this.groups!;
    const plan = this.currentPlan(now);
    const last = avoided.at(-1);
    const g = last !== undefined ? this.groupOf.get(last) : undefined;
    if (g !== undefined) {
      // A retry: another available endpoint of the same cluster first, then the other clusters.
      const u = this.pickInGroup(g, now, avoided);
      if (u !== null) return u;
      const other = this.pickGroup(plan, Math.random(), g);
      if (other !== null) {
        const v = this.pickInGroup(other, now, avoided);
        if (v !== null) return v;
      }
      // No share elsewhere (e.g. PreferClose with the other clusters unused): any available endpoint not tried.
      for (const x of groups) {
        if (x === g) continue;
        const v = this.pickInGroup(x, now, avoided);
        if (v !== null) return v;
      }
      return this.available(last!, now) ? last! : null;
    }
    const first = this.pickGroup(plan, Math.random(), null);
    return first === null ? null : this.pickInGroup(first, now, NONE);
  }

  /** The group whose share covers `r` (0..1), skipping `skip` (its share is spread over the others). */
  private pickGroup(plan: Plan, r: number, skip: ClusterGroup | null): ClusterGroup | null {
    const groups = this.groups!;
    const shares = plan.shares;
    const skipIndex = skip !== null ? groups.indexOf(skip) : -1;
    let total = 0;
    for (let i = 0; i < shares.length; i++) if (i !== skipIndex) total += shares[i]!;
    if (total <= 0) return null;
    let target = r * total;
    let lastWithShare = -1;
    for (let i = 0; i < groups.length; i++) {
      const share = shares[i]!;
      if (i === skipIndex || share <= 0) continue;
      if (target < share) return groups[i]!;
      target -= share;
      lastWithShare = i;
    }
    // Rounding: the last group with a share.
    return groups[lastWithShare]!;
  }

  private pickInGroup(g: ClusterGroup, now: number, avoided: readonly Upstream[]): Upstream | null {
    const n = g.endpoints.length;
    for (let tries = 0; tries < n; tries++) {
      const i = g.rr;
      g.rr = i + 1 >= n ? 0 : i + 1;
      const u = g.endpoints[i]!;
      if ((avoided.length === 0 || !avoided.includes(u)) && this.available(u, now)) return u;
    }
    return null;
  }

  /** Cluster shares, recomputed when health changed or an ejected endpoint came back. */
  private currentPlan(now: number): Plan {
    const outliers = this.outliers;
    const p = this.plan;
    const outlierVersion = outliers !== null ? outliers.version : 0;
    if (p !== null && p.healthVersion === this.health.version && p.outlierVersion === outlierVersion && now < p.validUntil) return p;
    const groups = this.groups!;
    const capacity = groups.map((g) => {
      let healthy = 0;
      for (const u of g.endpoints) if (this.available(u, now)) healthy++;
      return { name: g.name, total: g.endpoints.length, healthy };
    });
    const plan: Plan = {
      healthVersion: this.health.version,
      outlierVersion,
      validUntil: outliers !== null ? outliers.nextReturn(now) : Infinity,
      shares: clusterShares(capacity, this.policy, this.localCluster).map((s) => s.share),
    };
    this.plan = plan;
    return plan;
  }

  /** Each cluster's current share of new requests (status, tests); empty for a one-pool backend. */
  shares(): { name: string; share: number }[] {
    if (this.groups === null) return [];
    const plan = this.currentPlan(Date.now());
    return this.groups.map((g, i) => ({ name: g.name, share: plan.shares[i]! }));
  }

  /**
   * The ready endpoint for a flow hash (UDP): consistent hashing over the ready endpoints, the
   * same in every process for the same endpoint set. Null when there is none.
   */
  forFlow(hash: number): Upstream | null {
    const n = this.ready.length;
    if (n === 0) return null;
    if (n === 1) return this.ready[0]!;
    this.flowTable ??= new MaglevTable(this.ready.map((u) => ({ key: endpointKey(u.address, u.port), item: u })));
    return this.flowTable.lookup(hash) ?? null;
  }

  /** Outcome of a try (passive health checking): a 5xx answer or a connection error fails. */
  report(u: Upstream, failed: boolean): void {
    const outliers = this.outliers;
    if (outliers === null) return;
    if (failed) outliers.onFailure(u, Date.now());
    else outliers.onSuccess(u);
  }

  /** Next endpoint other than those in `avoid` when another can take the request (retries after a connection error or timeout). */
  nextExcept(avoid: Upstream | readonly Upstream[] | null): Upstream | null {
    return this.next(avoid);
  }
}
