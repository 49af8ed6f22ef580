/**
 * Watches whether the JetStream domain that holds the buckets answers, for a client whose own
 * connection stays up while that JetStream goes away and comes back: an agent connected to its
 * spoke's leafnode server when the hub restarts, or when the spoke's link to the hub is cut and
 * restored. A consumer of its watches may not outlive that (an ephemeral consumer without interest is
 * deleted after its inactive threshold, five minutes for the client's ordered consumers), and the
 * NATS client would only notice after two missed idle heartbeats (a minute). The monitor probes with a
 * direct get of a key the client may read — the domain answers (404 for a missing key) when it is
 * there; no responders or a timeout when it is not — and calls `onBack` each time it answers again
 * after it did not, so the watches can be recreated at once from the last sequence they saw.
 */
import type { NatsConnection } from '@nats-io/transport-node';

export interface DomainLinkMonitorOptions {
  nc: NatsConnection;
  /** A direct-get subject of a key the client may read (`$JS.<domain>.API.DIRECT.GET.<stream>.<key subject>`). */
  subject: string;
  /** Probe period (default 1 s). */
  everyMs?: number;
  /** How long a probe waits for the answer (default 1 s). */
  timeoutMs?: number;
  onBack: () => void;
  /** The domain stopped answering. */
  onDown?: (error: unknown) => void;
}

export interface DomainLinkMonitor {
  /** True while the last probe was answered (or none ran yet). */
  up(): boolean;
  stop(): void;
}

export function monitorDomainLink(options: DomainLinkMonitorOptions): DomainLinkMonitor {
  let up = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async () => {
    if (stopped || options.nc.isClosed()) return;
    try {
      await options.nc.request(options.subject, undefined, { timeout: options.timeoutMs ?? 1_000 });
      if (!up && !stopped) {
        up = true;
        options.onBack();
      }
    } catch (e) {
      if (up) options.onDown?.(e);
      up = false;
    }
    if (!stopped) {
      timer = setTimeout(() => void probe(), options.everyMs ?? 1_000);
      timer.unref();
    }
  };
  timer = setTimeout(() => void probe(), options.everyMs ?? 1_000);
  timer.unref();
  return {
    up: () => up,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
