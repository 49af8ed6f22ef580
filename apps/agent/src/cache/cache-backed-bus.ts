/**
 * A `Bus` for an agent that must serve even when the hub cannot be reached at start: it connects
 * to the real bus in the background (retrying with a capped backoff), and when the real bus has
 * not handed over its configs within `fallbackMs`, it hands the agent the configs of its disk
 * cache instead (and says "synced", so the agent applies them and reports ready). Once the real
 * bus has synced, the agent gets the difference (new and changed configs, and deletions of cached
 * ones the bus no longer holds), and from then on every change. Every set of configs handed over
 * after the real bus synced is written to the cache.
 *
 * Publishing (acks, heartbeats, endpoint reports) before the real bus is there rejects at once;
 * the agent logs it and goes on. Subscriptions (acks, heartbeats, endpoint watches) start when the
 * real bus arrives.
 */
import type { Ack, Bus, ConfigEntry, ConfigKey, EndpointReport, Heartbeat, Unsubscribe, WatchConfigsOptions } from '@portway/bus';
import type { GatewayConfig } from '@portway/ir';
import type { Log } from '../log.js';
import type { ConfigCache } from './config-cache.js';

export interface CacheBackedBusOptions {
  /** Opens the real bus; rejects when it cannot (it is tried again). */
  connect: () => Promise<Bus>;
  cache: ConfigCache;
  /** How long the real bus has to hand over the configs before the cache is served (default 2 s). */
  fallbackMs?: number;
  /** Delay between connection attempts: doubles from minMs (default 250) to maxMs (default 2000). */
  retry?: { minMs?: number; maxMs?: number };
  log: Log;
}

type EndpointKey = { cluster: string; namespace: string; service: string };
const keyOf = (k: ConfigKey) => `${k.namespace}/${k.name}`;

export class CacheBackedBus implements Bus {
  private bus: Bus | undefined;
  private closed = false;
  private readonly pending = new Set<(bus: Bus) => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private servedFromCache = false;
  private cacheInUse = false;

  constructor(private readonly options: CacheBackedBusOptions) {
    void this.connectLoop();
  }

  /** True when the configs the agent got first came from the disk cache. */
  usedCache(): boolean {
    return this.servedFromCache;
  }

  /** True from the moment the cache is served until the real bus has handed over its configs. */
  servingCache(): boolean {
    return this.cacheInUse;
  }

  /** True once the real bus is connected. */
  connected(): boolean {
    return this.bus !== undefined;
  }

  private async connectLoop(): Promise<void> {
    let delay = this.options.retry?.minMs ?? 250;
    const max = this.options.retry?.maxMs ?? 2_000;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const bus = await this.options.connect();
        if (this.closed) {
          await bus.close();
          return;
        }
        this.bus = bus;
        this.options.log.info({ attempt }, 'bus connected');
        for (const p of this.pending) p(bus);
        this.pending.clear();
        return;
      } catch (e) {
        this.options.log.warn({ err: e, attempt, retryInMs: delay }, 'cannot reach the bus; trying again');
        await new Promise<void>((r) => {
          this.retryTimer = setTimeout(r, delay);
        });
        delay = Math.min(max, delay * 2);
      }
    }
  }

  /** Runs `fn` with the real bus now or once it is there; returns an unsubscribe. */
  private withBus(fn: (bus: Bus) => Unsubscribe): Unsubscribe {
    let unsub: Unsubscribe | undefined;
    let cancelled = false;
    if (this.bus) unsub = fn(this.bus);
    else {
      const run = (bus: Bus) => {
        if (!cancelled) unsub = fn(bus);
      };
      this.pending.add(run);
      return () => {
        cancelled = true;
        this.pending.delete(run);
        unsub?.();
      };
    }
    return () => {
      cancelled = true;
      unsub?.();
    };
  }

  private need(operation: string): Bus {
    if (this.closed) throw new Error(`${operation}: the bus is closed`);
    if (!this.bus) throw new Error(`${operation}: not connected to the bus yet`);
    return this.bus;
  }

  watchConfigs(cluster: string, handler: (change: { key: ConfigKey; entry: ConfigEntry | null }) => void, options?: WatchConfigsOptions): Unsubscribe {
    const delivered = new Map<string, ConfigEntry>();
    let told = false;
    let realSynced = false;
    let stopped = false;
    const buffer = new Map<string, { key: ConfigKey; entry: ConfigEntry | null }>();
    let saving: Promise<void> = Promise.resolve();
    const tellSynced = () => {
      if (told) return;
      told = true;
      options?.onSynced?.();
    };
    const forward = (change: { key: ConfigKey; entry: ConfigEntry | null }) => {
      if (change.entry) delivered.set(keyOf(change.key), change.entry);
      else if (!delivered.delete(keyOf(change.key))) return;
      handler(change);
    };
    const save = () => {
      const entries = [...delivered.values()];
      saving = saving
        .then(() => this.options.cache.save(cluster, entries))
        .catch((e: unknown) => this.options.log.warn({ err: e }, 'could not write the config cache'));
    };

    const fallback = setTimeout(() => {
      if (stopped || realSynced) return;
      void this.options.cache
        .load(cluster)
        .then((cached) => {
          if (stopped || realSynced) return;
          if (cached) {
            this.servedFromCache = true;
            this.cacheInUse = true;
            this.options.log.warn({ configs: cached.entries.length, savedAt: cached.savedAt }, 'the bus has not handed over the configs: serving the disk cache');
            for (const entry of cached.entries) forward({ key: entry.key, entry });
          } else {
            this.options.log.warn({}, 'the bus has not handed over the configs and there is no disk cache yet');
          }
          tellSynced();
        })
        .catch((e: unknown) => {
          this.options.log.error({ err: e }, 'the disk cache cannot be used');
        });
    }, this.options.fallbackMs ?? 2_000);
    fallback.unref();

    const unsubscribe = this.withBus((bus) =>
      bus.watchConfigs(
        cluster,
        (change) => {
          if (realSynced) {
            forward(change);
            save();
          } else buffer.set(keyOf(change.key), change);
        },
        {
          onSynced: () => {
            realSynced = true;
            this.cacheInUse = false;
            clearTimeout(fallback);
            // The bus's state replaces the cache's: changed entries, then deletions.
            for (const [k, change] of buffer) {
              if (!change.entry) continue;
              if (delivered.get(k)?.hash === change.entry.hash && delivered.get(k)?.revision === change.entry.revision) continue;
              forward(change);
            }
            for (const [k, entry] of [...delivered]) {
              if (!buffer.get(k)?.entry) forward({ key: entry.key, entry: null });
            }
            buffer.clear();
            tellSynced();
            save();
          },
        },
      ),
    );
    return () => {
      stopped = true;
      clearTimeout(fallback);
      unsubscribe();
    };
  }

  onAck(handler: (ack: Ack) => void): Unsubscribe {
    return this.withBus((bus) => bus.onAck(handler));
  }

  onHeartbeat(handler: (hb: Heartbeat) => void): Unsubscribe {
    return this.withBus((bus) => bus.onHeartbeat(handler));
  }

  watchEndpoints(handler: (change: { key: EndpointKey; report: EndpointReport | null }) => void): Unsubscribe {
    return this.withBus((bus) => bus.watchEndpoints(handler));
  }

  async putConfig(key: ConfigKey, config: GatewayConfig): Promise<ConfigEntry & { changed: boolean }> {
    return this.need('putConfig').putConfig(key, config);
  }

  async deleteConfig(key: ConfigKey): Promise<void> {
    return this.need('deleteConfig').deleteConfig(key);
  }

  async listConfigs(cluster?: string): Promise<ConfigEntry[]> {
    return this.need('listConfigs').listConfigs(cluster);
  }

  async publishAck(ack: Ack): Promise<void> {
    return this.need('publishAck').publishAck(ack);
  }

  async publishHeartbeat(hb: Heartbeat): Promise<void> {
    return this.need('publishHeartbeat').publishHeartbeat(hb);
  }

  async putEndpoints(key: EndpointKey, report: EndpointReport | null): Promise<void> {
    return this.need('putEndpoints').putEndpoints(key, report);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pending.clear();
    await this.bus?.close();
  }
}
