/**
 * Passive health checking (IR `healthCheck.passive`): an endpoint that fails
 * `consecutiveErrors` times in a row (5xx answers or connection errors) is ejected for
 * `baseEjectionMs` × the number of times it has been ejected, and comes back by itself when that
 * time is up. At most `maxEjectionPercent` % of the endpoints are ejected at once, and when
 * every endpoint is ejected the backend uses them all anyway (better than failing everything).
 */
import type { HealthCheck } from '@portway/ir';

type Passive = NonNullable<HealthCheck['passive']>;

interface EndpointHealth {
  errors: number;
  ejections: number;
  ejectedUntil: number;
}

export class OutlierDetector<E> {
  private readonly health = new Map<E, EndpointHealth>();
  private readonly maxEjected: number;
  /** Bumped on every ejection: backends recompute their cluster shares when it moved. */
  version = 0;

  constructor(
    private readonly cfg: Passive,
    endpoints: readonly E[],
  ) {
    for (const e of endpoints) this.health.set(e, { errors: 0, ejections: 0, ejectedUntil: 0 });
    this.maxEjected = Math.floor((endpoints.length * cfg.maxEjectionPercent) / 100);
  }

  isEjected(e: E, now: number): boolean {
    const h = this.health.get(e);
    return h !== undefined && h.ejectedUntil > now;
  }

  onSuccess(e: E): void {
    const h = this.health.get(e);
    if (h !== undefined) h.errors = 0;
  }

  onFailure(e: E, now: number): void {
    const h = this.health.get(e);
    if (h === undefined || h.ejectedUntil > now) return;
    h.errors++;
    if (h.errors < this.cfg.consecutiveErrors) return;
    h.errors = 0;
    if (this.ejectedCount(now) >= this.maxEjected) return;
    h.ejections++;
    h.ejectedUntil = now + this.cfg.baseEjectionMs * h.ejections;
    this.version++;
  }

  /** The earliest time an ejected endpoint comes back (Infinity when none is ejected). */
  nextReturn(now: number): number {
    let t = Infinity;
    for (const h of this.health.values()) if (h.ejectedUntil > now && h.ejectedUntil < t) t = h.ejectedUntil;
    return t;
  }

  private ejectedCount(now: number): number {
    let n = 0;
    for (const h of this.health.values()) if (h.ejectedUntil > now) n++;
    return n;
  }
}
