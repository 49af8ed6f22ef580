/**
 * Active health results from the agent's primary process to its proxy workers (node:cluster
 * IPC). The primary keeps the endpoints currently unhealthy and gives the whole list to each
 * worker when it says it is ready (a replacement worker starts from the current state); after
 * that, changes go to every worker as they happen. The worker side (`receiveWorkerHealth`)
 * applies them to its proxy.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Proxy } from '@portway/proxy';
import type { EndpointHealthUpdate } from './health-monitor.js';

/** The IPC message (its own type: the worker's apply handler ignores it). */
export interface HealthMessage {
  type: 'health';
  updates: EndpointHealthUpdate[];
}

function isHealthMessage(m: unknown): m is HealthMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'health' && Array.isArray((m as HealthMessage).updates);
}

/** Primary side. */
export class WorkerHealthChannel {
  private readonly unhealthy = new Set<string>();
  private readonly onMessage = (worker: Worker, m: unknown) => {
    if ((m as { type?: unknown } | null)?.type === 'ready' && this.unhealthy.size > 0) {
      send(worker, { type: 'health', updates: [...this.unhealthy].map((endpoint) => ({ endpoint, healthy: false })) });
    }
  };

  constructor() {
    cluster.on('message', this.onMessage);
  }

  publish(updates: readonly EndpointHealthUpdate[]): void {
    for (const u of updates) {
      if (u.healthy) this.unhealthy.delete(u.endpoint);
      else this.unhealthy.add(u.endpoint);
    }
    const message: HealthMessage = { type: 'health', updates: [...updates] };
    for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined) send(w, message);
  }

  close(): void {
    cluster.off('message', this.onMessage);
  }
}

function send(worker: Worker, m: HealthMessage): void {
  if (!worker.isConnected()) return;
  try {
    worker.send(m);
  } catch {
    // The worker is going away; its replacement gets the whole state when ready.
  }
}

/** Worker side: applies the primary's health messages to `proxy`. */
export function receiveWorkerHealth(proxy: Pick<Proxy, 'setEndpointHealth'>): void {
  process.on('message', (m: unknown) => {
    if (isHealthMessage(m)) proxy.setEndpointHealth(m.updates);
  });
}
