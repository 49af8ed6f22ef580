/**
 * A backend as one compiled config serves it: its ready endpoints (round-robin, skipping
 * endpoints that passive health checking ejected), their upstreams, and its retry budget.
 */
import type { Backend } from '@portway/ir';
import { compileTlsClientOptions } from '../upstream/tls-client-options.js';
import type { Upstream, UpstreamRegistry } from '../upstream/upstream.js';
import { MaglevTable } from './maglev.js';
import { OutlierDetector } from './outlier-detector.js';
import { RetryBudget } from './retry-budget.js';

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
  private rr = 0;
  private flowTable: MaglevTable<Upstream> | null = null;

  constructor(backend: Backend, registry: UpstreamRegistry) {
    this.id = backend.id;
    this.protocol = backend.protocol;
    const tls = backend.tls !== undefined ? compileTlsClientOptions(backend.tls) : null;
    const ready: Upstream[] = [];
    const byEndpoint = new Map<string, Upstream>();
    for (const ep of backend.endpoints) {
      if (!ep.ready) continue;
      const u = registry.get(backend.protocol, tls, ep.address, ep.port);
      if (byEndpoint.has(endpointKey(ep.address, ep.port))) continue;
      ready.push(u);
      byEndpoint.set(endpointKey(ep.address, ep.port), u);
    }
    this.ready = ready;
    this.byEndpoint = byEndpoint;
    this.budget = backend.retryBudget !== undefined ? new RetryBudget(backend.retryBudget) : null;
    const passive = backend.healthCheck?.passive;
    this.outliers = passive !== undefined && ready.length > 0 ? new OutlierDetector(passive, ready) : null;
  }

  /** Next ready endpoint (round-robin, ejected endpoints skipped), or null when there is none. */
  next(): Upstream | null {
    const n = this.ready.length;
    if (n === 0) return null;
    const outliers = this.outliers;
    const now = outliers !== null ? Date.now() : 0;
    for (let tries = 0; tries < n; tries++) {
      const i = this.rr;
      this.rr = i + 1 >= n ? 0 : i + 1;
      const u = this.ready[i]!;
      if (outliers === null || !outliers.isEjected(u, now)) return u;
    }
    // Every endpoint is ejected: use them anyway rather than fail every request.
    const i = this.rr;
    this.rr = i + 1 >= n ? 0 : i + 1;
    return this.ready[i]!;
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

  /** Next ready endpoint other than `avoid` when there is one (retries after a connection error). */
  nextExcept(avoid: Upstream | null): Upstream | null {
    const u = this.next();
    if (u !== avoid || this.ready.length < 2) return u;
    return this.next();
  }
}

export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}
