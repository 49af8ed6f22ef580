/**
 * Active health checking for the whole agent: one checker per endpoint (however many backends,
 * gateways and workers use it), run in the agent's own (primary) process. Every change of state
 * goes at once to the data plane (every worker takes the endpoint out of rotation, or back in) and
 * to the listeners of local health (the endpoint exporter publishes the health of this cluster's
 * endpoints to the endpoints bucket).
 *
 * `update(configs)` is called with the config set after each apply: endpoints of backends with
 * `healthCheck.active` get a checker (the first backend listing an endpoint decides its check
 * settings), checkers of endpoints no config checks any more stop, and an endpoint that was
 * unhealthy when its checker stopped is reported healthy again (it is no longer judged).
 */
import type { GatewayConfig } from '@portway/ir';
import { ActiveHealthChecker, type ActiveCheck, type HealthChange } from '@portway/proxy';
import type { Log } from '../log.js';

/** The health of one endpoint as this agent sees it. */
export interface EndpointHealth {
  /** "address:port" */
  endpoint: string;
  address: string;
  port: number;
  /** Cluster the endpoint lives in (the agent's own when the IR gives none). */
  cluster: string;
  healthy: boolean;
  /** Why the last probe failed, when unhealthy. */
  reason?: string;
}

export type EndpointHealthUpdate = { endpoint: string; healthy: boolean };
export type HealthListener = (health: EndpointHealth) => void;

export interface HealthMonitorOptions {
  /** The agent's cluster: endpoints without a cluster, or with this one, are local. */
  cluster: string;
  /** Where state changes go (the data plane: every worker). */
  sink: (updates: EndpointHealthUpdate[]) => void;
  log?: Log;
}

interface Entry {
  checker: ActiveHealthChecker;
  /** JSON of the check settings, to restart the checker when they change. */
  settings: string;
  cluster: string;
  reason?: string;
}

export class HealthMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<HealthListener>();
  private stopped = false;

  constructor(private readonly options: HealthMonitorOptions) {}

  /** Starts, keeps or stops checkers so that exactly the actively checked endpoints of `configs` are checked. */
  update(configs: readonly GatewayConfig[]): void {
    if (this.stopped) return;
    const wanted = new Map<string, { address: string; port: number; cluster: string; check: ActiveCheck }>();
    for (const config of configs) {
      for (const backend of Object.values(config.backends)) {
        const check = backend.healthCheck?.active;
        if (check === undefined) continue;
        for (const ep of backend.endpoints) {
          // An endpoint behind its cluster's east-west gateway cannot be probed from here: its own
          // cluster checks it and publishes its health; passive detection still applies here.
          if (!ep.ready || ep.via !== undefined) continue;
          const key = `${ep.address}:${ep.port}`;
          if (!wanted.has(key)) wanted.set(key, { address: ep.address, port: ep.port, cluster: ep.cluster ?? this.options.cluster, check });
        }
      }
    }
    const back: EndpointHealthUpdate[] = [];
    for (const [key, e] of this.entries) {
      const w = wanted.get(key);
      if (w !== undefined && JSON.stringify(w.check) === e.settings) continue;
      e.checker.stop();
      this.entries.delete(key);
      if (!e.checker.healthy) {
        back.push({ endpoint: key, healthy: true });
        this.notify({ endpoint: key, address: e.checker.address, port: e.checker.port, cluster: e.cluster, healthy: true });
      }
    }
    if (back.length > 0) this.options.sink(back);
    for (const [key, w] of wanted) {
      if (this.entries.has(key)) continue;
      const entry: Entry = {
        checker: new ActiveHealthChecker(w.address, w.port, w.check, (c) => this.changed(entry, c)),
        settings: JSON.stringify(w.check),
        cluster: w.cluster,
      };
      this.entries.set(key, entry);
      entry.checker.start();
    }
  }

  private changed(entry: Entry, c: HealthChange): void {
    if (this.stopped || this.entries.get(c.endpoint) !== entry) return;
    if (c.reason !== undefined) entry.reason = c.reason;
    else delete entry.reason;
    this.options.log?.[c.healthy ? 'info' : 'warn']({ endpoint: c.endpoint, cluster: entry.cluster, ...(c.reason ? { reason: c.reason } : {}) }, c.healthy ? 'endpoint healthy again' : 'endpoint unhealthy: out of rotation');
    this.options.sink([{ endpoint: c.endpoint, healthy: c.healthy }]);
    this.notify({ endpoint: c.endpoint, address: entry.checker.address, port: entry.checker.port, cluster: entry.cluster, healthy: c.healthy, ...(c.reason ? { reason: c.reason } : {}) });
  }

  private notify(h: EndpointHealth): void {
    if (h.cluster !== this.options.cluster) return;
    for (const l of this.listeners) {
      try {
        l(h);
      } catch (e) {
        this.options.log?.warn({ err: e }, 'local health listener failed');
      }
    }
  }

  /**
   * Calls `listener` on every change of health of an endpoint of the agent's own cluster (after
   * the data plane has been told). Returns the function that removes it.
   */
  onLocalHealth(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every checked endpoint and its current health (the agent's own cluster's only with `localOnly`). */
  snapshot(localOnly = false): EndpointHealth[] {
    const out: EndpointHealth[] = [];
    for (const [key, e] of this.entries) {
      if (localOnly && e.cluster !== this.options.cluster) continue;
      out.push({
        endpoint: key,
        address: e.checker.address,
        port: e.checker.port,
        cluster: e.cluster,
        healthy: e.checker.healthy,
        ...(!e.checker.healthy && e.reason !== undefined ? { reason: e.reason } : {}),
      });
    }
    return out.sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  }

  /** Stops every checker. */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) e.checker.stop();
    this.entries.clear();
    this.listeners.clear();
  }
}
