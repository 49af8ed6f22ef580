import { configHash, type GatewayConfig } from '@portway/ir';
import type { Ack, Bus, ConfigEntry, ConfigKey, EndpointReport, Heartbeat, Unsubscribe, WatchConfigsOptions } from './types.js';

type EndpointKey = { cluster: string; namespace: string; service: string };

const keyOf = (k: ConfigKey) => `${k.cluster}/${k.namespace}/${k.name}`;

/**
 * The bus of standalone mode: controller and agent in one process. Same contract as the NATS
 * bus: a put with an unchanged hash stores nothing and notifies nobody; watchers get the
 * current entries first, then changes; every notification is delivered asynchronously (never
 * inside the caller's stack), in order.
 */
export class InProcessBus implements Bus {
  private readonly configs = new Map<string, ConfigEntry>();
  /** Revision counters survive deletion, so a re-created key never reuses a revision. */
  private readonly revisions = new Map<string, number>();
  private readonly configWatchers = new Set<{ cluster: string; handler: (c: { key: ConfigKey; entry: ConfigEntry | null }) => void }>();
  private readonly ackHandlers = new Set<(ack: Ack) => void>();
  private readonly heartbeatHandlers = new Set<(hb: Heartbeat) => void>();
  private readonly endpoints = new Map<string, { key: EndpointKey; report: EndpointReport }>();
  private readonly endpointWatchers = new Set<(c: { key: EndpointKey; report: EndpointReport | null }) => void>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  /** `onError` receives exceptions thrown by handlers (they never break delivery to the others). */
  constructor(private readonly onError: (error: unknown) => void = (e) => console.error('bus handler failed:', e)) {}

  async putConfig(key: ConfigKey, config: GatewayConfig): Promise<ConfigEntry & { changed: boolean }> {
    this.assertOpen();
    const k = keyOf(key);
    const hash = configHash(config);
    const current = this.configs.get(k);
    if (current && current.hash === hash) return { ...current, changed: false };
    const revision = (this.revisions.get(k) ?? 0) + 1;
    this.revisions.set(k, revision);
    const entry: ConfigEntry = { key: { ...key }, revision, hash, config };
    this.configs.set(k, entry);
    this.notifyConfig(key, entry);
    return { ...entry, changed: true };
  }

  async deleteConfig(key: ConfigKey): Promise<void> {
    this.assertOpen();
    if (this.configs.delete(keyOf(key))) this.notifyConfig(key, null);
  }

  async listConfigs(cluster?: string): Promise<ConfigEntry[]> {
    return [...this.configs.values()].filter((e) => cluster === undefined || e.key.cluster === cluster);
  }

  onAck(handler: (ack: Ack) => void): Unsubscribe {
    this.ackHandlers.add(handler);
    return () => this.ackHandlers.delete(handler);
  }

  onHeartbeat(handler: (hb: Heartbeat) => void): Unsubscribe {
    this.heartbeatHandlers.add(handler);
    return () => this.heartbeatHandlers.delete(handler);
  }

  watchConfigs(cluster: string, handler: (change: { key: ConfigKey; entry: ConfigEntry | null }) => void, options: WatchConfigsOptions = {}): Unsubscribe {
    const w = { cluster, handler };
    this.configWatchers.add(w);
    const initial = [...this.configs.values()].filter((e) => e.key.cluster === cluster);
    this.enqueue(() => {
      if (!this.configWatchers.has(w)) return;
      for (const e of initial) this.call(() => handler({ key: e.key, entry: e }));
      if (options.onSynced) this.call(options.onSynced);
    });
    return () => this.configWatchers.delete(w);
  }

  async publishAck(ack: Ack): Promise<void> {
    this.assertOpen();
    this.enqueue(() => this.ackHandlers.forEach((h) => this.call(() => h(ack))));
  }

  async publishHeartbeat(hb: Heartbeat): Promise<void> {
    this.assertOpen();
    this.enqueue(() => this.heartbeatHandlers.forEach((h) => this.call(() => h(hb))));
  }

  async putEndpoints(key: EndpointKey, report: EndpointReport | null): Promise<void> {
    this.assertOpen();
    const k = `${key.cluster}/${key.namespace}/${key.service}`;
    if (report) this.endpoints.set(k, { key: { ...key }, report });
    else if (!this.endpoints.delete(k)) return;
    const watchers = [...this.endpointWatchers];
    this.enqueue(() => watchers.forEach((w) => this.endpointWatchers.has(w) && this.call(() => w({ key, report }))));
  }

  watchEndpoints(handler: (c: { key: EndpointKey; report: EndpointReport | null }) => void): Unsubscribe {
    this.endpointWatchers.add(handler);
    const initial = [...this.endpoints.values()];
    this.enqueue(() => {
      if (!this.endpointWatchers.has(handler)) return;
      for (const e of initial) this.call(() => handler({ key: e.key, report: e.report }));
    });
    return () => this.endpointWatchers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.endpointWatchers.clear();
    this.configWatchers.clear();
    this.ackHandlers.clear();
    this.heartbeatHandlers.clear();
    await this.queue;
  }

  private notifyConfig(key: ConfigKey, entry: ConfigEntry | null): void {
    const watchers = [...this.configWatchers].filter((w) => w.cluster === key.cluster);
    this.enqueue(() => watchers.forEach((w) => this.configWatchers.has(w) && this.call(() => w.handler({ key, entry }))));
  }

  /** Delivers in order, after the caller's stack has unwound. */
  private enqueue(fn: () => void): void {
    this.queue = this.queue.then(fn);
  }

  /** One handler's exception never stops delivery to the others. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onError(e);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
