import type { Ack, Bus, ConfigEntry, HeartbeatOutcome, Unsubscribe } from '@portway/bus';
import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult } from '@portway/proxy';
import type { DataPlane } from './data-plane.js';
import { HealthMonitor, type HealthListener, type EndpointHealth } from './health/health-monitor.js';
import type { Log } from './log.js';

export interface AgentOptions {
  /** Agent name (unique among the agents of a cluster), reported in acks and heartbeats. */
  name: string;
  cluster: string;
  bus: Bus;
  dataPlane: DataPlane;
  log: Log;
  /** Heartbeat period; 0 disables heartbeats (standalone mode has no need for them). */
  heartbeatMs?: number;
  /** Addresses this agent binds for configs that list none, reported in heartbeats (Gateway `status.addresses`). */
  addresses?: readonly string[];
}

/** What one gateway's config looks like from the agent's side. */
export interface ServedGateway {
  revision: number;
  hash: string;
  ok: boolean;
  listenersBound: string[];
  errors: Ack['errors'];
  /** The Gateway's `metadata.generation` the served config was built from. */
  generation: number;
  /** `spec.infrastructure` of the Gateway, as the IR carries it. */
  infrastructure?: GatewayConfig['infrastructure'];
}

/** A revision the agent refused while an older one keeps serving. */
export interface RefusedRevision {
  revision: number;
  hash: string;
  errors: Ack['errors'];
}

/**
 * The agent: follows its cluster's configs on the bus, applies the whole set to the data plane
 * (validation and compilation happen there, off the hot path; a refused config leaves the
 * previous one serving), and acks every revision it tried, with the listeners it bound.
 *
 * Nothing is applied before the bus has handed over every config present at start (`onSynced`),
 * so the first apply is the full set and `ready()` means "serves what the bus holds". Changes that
 * arrive while an apply runs are coalesced into the next apply. Heartbeats repeat what is served
 * and the latest outcome per gateway, so a controller that missed acks (it restarted, or the
 * connection dropped) rebuilds its view from them.
 */
export class Agent {
  private readonly entries = new Map<string, ConfigEntry>();
  private readonly served = new Map<string, ServedGateway>();
  private readonly refused = new Map<string, RefusedRevision>();
  /** Last ack sent per gateway, so an unchanged outcome is not acked again. */
  private readonly acked = new Map<string, HeartbeatOutcome>();
  private unsubscribe: Unsubscribe | undefined;
  private applying: Promise<void> | undefined;
  private dirty = false;
  private synced = false;
  private isReady = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly firstApply: Promise<void>;
  private resolveFirstApply!: () => void;
  private stopped = false;
  /** Active health checks of the served configs' endpoints (see health/health-monitor.ts). */
  private readonly health: HealthMonitor;

  constructor(private options: AgentOptions) {
    this.firstApply = new Promise((r) => (this.resolveFirstApply = r));
    const dataPlane = options.dataPlane;
    this.health = new HealthMonitor({ cluster: options.cluster, sink: (u) => dataPlane.setEndpointHealth?.(u), log: options.log });
  }

  /**
   * Health changes of this cluster's own endpoints, as the agent's active checks see them (the
   * endpoints of backends with an active health check in a served config). Returns the function
   * that removes the listener.
   */
  onLocalHealth(listener: HealthListener): () => void {
    return this.health.onLocalHealth(listener);
  }

  /** Current health of every actively checked endpoint (`localOnly`: of this cluster's only). */
  endpointHealth(localOnly = false): EndpointHealth[] {
    return this.health.snapshot(localOnly);
  }

  /** Starts following the bus. `ready()` resolves once the configs present at start are applied. */
  start(): void {
    this.unsubscribe = this.options.bus.watchConfigs(
      this.options.cluster,
      ({ key, entry }) => {
        const k = `${key.namespace}/${key.name}`;
        if (entry) this.entries.set(k, entry);
        else this.entries.delete(k);
        this.schedule();
      },
      {
        onSynced: () => {
          this.synced = true;
          this.schedule();
        },
      },
    );
    if (this.options.heartbeatMs) {
      this.heartbeat = setInterval(() => void this.sendHeartbeat(), this.options.heartbeatMs);
      this.heartbeat.unref();
      void this.sendHeartbeat();
    }
  }

  /** Resolves once every config the bus held at start is applied (served, or refused with a nack). */
  ready(): Promise<void> {
    return this.firstApply;
  }

  isReadyNow(): boolean {
    return this.isReady;
  }

  /** What each gateway serves, by "namespace/name". */
  serving(): ReadonlyMap<string, ServedGateway> {
    return this.served;
  }

  /** Revisions refused while an older one keeps serving, by "namespace/name". */
  refusedRevisions(): ReadonlyMap<string, RefusedRevision> {
    return this.refused;
  }

  private schedule(): void {
    if (this.stopped || !this.synced) return;
    if (this.applying) {
      this.dirty = true;
      return;
    }
    this.applying = this.applyAll().finally(() => {
      this.applying = undefined;
      if (this.dirty) {
        this.dirty = false;
        this.schedule();
      }
    });
  }

  private async applyAll(): Promise<void> {
    const entries = [...this.entries.entries()];
    let result: ApplyResult;
    try {
      result = await this.options.dataPlane.apply(entries.map(([, e]) => e.config));
    } catch (e) {
      this.options.log.error({ err: e }, 'data plane apply failed; previous configs keep serving');
      result = {
        gateways: Object.fromEntries(
          entries.map(([k]) => [k, { ok: false, listenersBound: [], errors: [{ reason: 'Invalid', message: (e as Error).message }] }]),
        ),
      };
    }
    for (const map of [this.served, this.acked, this.refused]) for (const k of map.keys()) if (!this.entries.has(k)) map.delete(k);
    // Checkers follow the endpoints of the configs tried (a refused config's endpoints are checked too: harmless).
    this.health.update(entries.map(([, e]) => e.config));
    await Promise.all(
      entries.map(async ([k, entry]) => {
        const r = result.gateways[k] ?? { ok: false, listenersBound: [], errors: [{ reason: 'Invalid', message: 'no result from the data plane' }] };
        const outcome: HeartbeatOutcome = { revision: entry.revision, hash: entry.hash, ok: r.ok, listenersBound: [...r.listenersBound].sort(), errors: r.errors };
        // A refused revision leaves the previous one serving (the data plane keeps it).
        if (r.ok || !this.served.has(k)) {
          this.served.set(k, {
            ...outcome,
            generation: entry.config.gateway.generation,
            ...(entry.config.infrastructure ? { infrastructure: entry.config.infrastructure } : {}),
          });
        }
        if (r.ok) this.refused.delete(k);
        else this.refused.set(k, { revision: entry.revision, hash: entry.hash, errors: r.errors });
        const previous = this.acked.get(k);
        if (previous && sameOutcome(previous, outcome)) return;
        this.acked.set(k, outcome);
        if (!r.ok) this.options.log.warn({ gateway: k, revision: entry.revision, errors: r.errors }, 'config refused; the previous one keeps serving');
        else this.options.log.info({ gateway: k, revision: entry.revision, listeners: outcome.listenersBound.length }, 'config applied');
        await this.options.bus
          .publishAck({
            agent: this.options.name,
            cluster: this.options.cluster,
            gateway: { namespace: entry.key.namespace, name: entry.key.name },
            ...outcome,
          })
          .catch((e: unknown) => this.options.log.warn({ err: e }, 'could not publish ack'));
      }),
    );
    if (!this.isReady) {
      this.isReady = true;
      this.resolveFirstApply();
      // Tell the controller at once rather than at the next period.
      if (this.options.heartbeatMs) void this.sendHeartbeat();
    }
  }

  /**
   * Replaces the addresses reported in heartbeats (what fills Gateways' `status.addresses`), e.g.
   * when the load balancer in front of the agent gets its address; an actual change is sent at once.
   */
  setAddresses(addresses: readonly string[]): void {
    const next = [...addresses];
    const current = this.options.addresses ?? [];
    if (next.length === current.length && next.every((a, i) => a === current[i])) return;
    this.options = { ...this.options, addresses: next };
    if (!this.stopped && (this.options.heartbeatMs ?? 0) > 0) void this.sendHeartbeat();
  }

  /** The addresses reported in heartbeats. */
  addresses(): readonly string[] {
    return this.options.addresses ?? [];
  }

  private async sendHeartbeat(stopping = false): Promise<void> {
    const serving: Record<string, { revision: number; hash: string }> = {};
    for (const [k, s] of this.served) serving[k] = { revision: s.revision, hash: s.hash };
    await this.options.bus
      .publishHeartbeat({
        agent: this.options.name,
        cluster: this.options.cluster,
        at: Date.now(),
        serving,
        ready: this.isReady,
        ...(this.options.addresses ? { addresses: [...this.options.addresses] } : {}),
        outcomes: Object.fromEntries(this.acked),
        ...(stopping ? { stopping: true } : {}),
      })
      .catch((e: unknown) => this.options.log.debug({ err: e }, 'could not publish heartbeat'));
  }

  /** Stops following the bus, says goodbye (heartbeats on), and closes the data plane (listeners drain). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.health.stop();
    await this.applying;
    if (this.options.heartbeatMs) await this.sendHeartbeat(true);
    await this.options.dataPlane.close();
  }
}

function sameOutcome(a: HeartbeatOutcome, b: HeartbeatOutcome): boolean {
  return (
    a.revision === b.revision &&
    a.hash === b.hash &&
    a.ok === b.ok &&
    a.listenersBound.join(',') === b.listenersBound.join(',') &&
    JSON.stringify(a.errors) === JSON.stringify(b.errors)
  );
}
