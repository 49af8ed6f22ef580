import type { Ack, Bus, ConfigEntry, Unsubscribe } from '@portway/bus';
import type { ApplyResult } from '@portway/proxy';
import type { DataPlane } from './data-plane.js';
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
}

/** What one gateway's config looks like from the agent's side. */
export interface ServedGateway {
  revision: number;
  hash: string;
  ok: boolean;
  listenersBound: string[];
  errors: Ack['errors'];
}

/**
 * The agent: follows its cluster's configs on the bus, applies the whole set to the data plane
 * (validation and compilation happen there, off the hot path; a refused config leaves the
 * previous one serving), and acks every revision it tried, with the listeners it bound.
 * Changes that arrive while an apply runs are coalesced into the next apply.
 */
export class Agent {
  private readonly entries = new Map<string, ConfigEntry>();
  private readonly served = new Map<string, ServedGateway>();
  /** Last ack sent per gateway, so an unchanged outcome is not acked again. */
  private readonly acked = new Map<string, ServedGateway>();
  private unsubscribe: Unsubscribe | undefined;
  private applying: Promise<void> | undefined;
  private dirty = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private firstApply: Promise<void>;
  private resolveFirstApply!: () => void;
  private stopped = false;

  constructor(private readonly options: AgentOptions) {
    this.firstApply = new Promise((r) => (this.resolveFirstApply = r));
  }

  /** Starts following the bus. `ready()` resolves once the configs present at start are applied. */
  start(): void {
    this.unsubscribe = this.options.bus.watchConfigs(this.options.cluster, ({ key, entry }) => {
      const k = `${key.namespace}/${key.name}`;
      if (entry) this.entries.set(k, entry);
      else this.entries.delete(k);
      this.schedule();
    });
    // With nothing on the bus yet, there is nothing to wait for.
    queueMicrotask(() => this.schedule());
    if (this.options.heartbeatMs) {
      this.heartbeat = setInterval(() => void this.sendHeartbeat(), this.options.heartbeatMs);
      this.heartbeat.unref();
      void this.sendHeartbeat();
    }
  }

  ready(): Promise<void> {
    return this.firstApply;
  }

  /** What each gateway serves, by "namespace/name". */
  serving(): ReadonlyMap<string, ServedGateway> {
    return this.served;
  }

  private schedule(): void {
    if (this.stopped) return;
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
    for (const k of this.served.keys()) if (!this.entries.has(k)) this.served.delete(k);
    for (const k of this.acked.keys()) if (!this.entries.has(k)) this.acked.delete(k);
    await Promise.all(
      entries.map(async ([k, entry]) => {
        const r = result.gateways[k] ?? { ok: false, listenersBound: [], errors: [{ reason: 'Invalid', message: 'no result from the data plane' }] };
        const served: ServedGateway = { revision: entry.revision, hash: entry.hash, ok: r.ok, listenersBound: [...r.listenersBound].sort(), errors: r.errors };
        // A refused revision leaves the previous one serving.
        if (r.ok || !this.served.has(k)) this.served.set(k, served);
        const previous = this.acked.get(k);
        if (previous && sameAck(previous, served)) return;
        this.acked.set(k, served);
        if (!r.ok) this.options.log.warn({ gateway: k, revision: entry.revision, errors: r.errors }, 'config refused');
        await this.options.bus
          .publishAck({
            agent: this.options.name,
            cluster: this.options.cluster,
            gateway: { namespace: entry.key.namespace, name: entry.key.name },
            revision: served.revision,
            hash: served.hash,
            ok: served.ok,
            listenersBound: served.listenersBound,
            errors: served.errors,
          })
          .catch((e: unknown) => this.options.log.warn({ err: e }, 'could not publish ack'));
      }),
    );
    this.resolveFirstApply();
  }

  private async sendHeartbeat(): Promise<void> {
    const serving: Record<string, { revision: number; hash: string }> = {};
    for (const [k, s] of this.served) serving[k] = { revision: s.revision, hash: s.hash };
    await this.options.bus
      .publishHeartbeat({ agent: this.options.name, cluster: this.options.cluster, at: Date.now(), serving, ready: true })
      .catch((e: unknown) => this.options.log.debug({ err: e }, 'could not publish heartbeat'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.applying;
    await this.options.dataPlane.close();
  }
}

function sameAck(a: ServedGateway, b: ServedGateway): boolean {
  return (
    a.revision === b.revision &&
    a.hash === b.hash &&
    a.ok === b.ok &&
    a.listenersBound.join(',') === b.listenersBound.join(',') &&
    JSON.stringify(a.errors) === JSON.stringify(b.errors)
  );
}
