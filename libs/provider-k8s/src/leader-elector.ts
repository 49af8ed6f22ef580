/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it: the
 * leader renews `spec.renewTime` every `renewMs`; a candidate takes the Lease over when the holder has
 * not renewed for `leaseDurationSeconds` — measured on the candidate's own clock from when it last saw
 * the record change, so clock skew between nodes does not matter. Every write carries the Lease's
 * resourceVersion, so two candidates never both win. A leader that cannot renew for
 * `renewDeadlineMs` steps down (its writes may already be someone else's).
 *
 * With the defaults (lease 8 s, renew and retry 2 s, 20 % jitter on retries), a standby takes over at
 * most about 13 s after the leader died (it sees the last renewal up to one retry late, waits out the
 * lease, then up to one more retry); a leader that stops cleanly releases the Lease and the standby takes over at its next retry.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, KubeClient, resourcePath } from './kube-client.js';
import { silentLog, type Log } from './source-types.js';

/** Options of {@link createLeaderElector}. */
export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  /** Namespace of the Lease (the controller's own). */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This candidate's identity (the pod name, typically). */
  identity: string;
  /** How long a Lease holds without renewal. Default 8 s. */
  leaseDurationMs?: number;
  /** Interval of the leader's renewals. Default 2 s. */
  renewMs?: number;
  /** A leader that could not renew for this long steps down. Default 70 % of the lease. */
  renewDeadlineMs?: number;
  /** Interval of a candidate's attempts. Default 2 s. */
  retryMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: Log;
}

export interface LeaderElector {
  /** Starts campaigning (and, once leading, renewing). */
  start(): void;
  /** Stops; a leader releases the Lease (unless `release: false`) and `onStoppedLeading` runs. */
  stop(options?: { release?: boolean }): Promise<void>;
  isLeader(): boolean;
  /** The holder the last read of the Lease showed. */
  currentHolder(): string | undefined;
}

const LEASES = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

/** A Kubernetes MicroTime (RFC 3339 with microseconds). */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function createLeaderElector(o: LeaderElectorOptions): LeaderElector {
  const log = o.log ?? silentLog;
  const client = new KubeClient(o.kubeConfig);
  const leaseMs = o.leaseDurationMs ?? 8_000;
  const renewMs = o.renewMs ?? 2_000;
  const renewDeadlineMs = o.renewDeadlineMs ?? Math.round(leaseMs * 0.7);
  const retryMs = o.retryMs ?? 2_000;
  const path = resourcePath(LEASES, o.namespace);
  let leader = false;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let lastRenew = 0;
  let holder: string | undefined;
  /** The record last seen, and when (on our clock) it was first seen in that form. */
  let observed: { key: string; at: number } | undefined;
  let attempt: Promise<void> | undefined;

  const spec = (previous: Record<string, any> | undefined, now: number) => ({
    holderIdentity: o.identity,
    leaseDurationSeconds: Math.ceil(leaseMs / 1000),
    acquireTime: previous?.holderIdentity === o.identity && previous.acquireTime ? previous.acquireTime : microTime(now),
    renewTime: microTime(now),
    leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && previous.holderIdentity !== o.identity ? 1 : 0),
  });

  /** One try to acquire or renew; true when this candidate holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = Date.now();
    let lease: Record<string, any>;
    try {
      lease = await client.request('GET', `${path}/${encodeURIComponent(o.name)}`);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 404)) throw e;
      await client.request('POST', path, { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: o.namespace }, spec: spec(undefined, now) } });
      holder = o.identity;
      return true;
    }
    const s = lease.spec ?? {};
    holder = s.holderIdentity || undefined;
    const key = `${s.holderIdentity}|${s.renewTime}`;
    if (observed?.key !== key) observed = { key, at: now };
    const duration = (Number(s.leaseDurationSeconds) || Math.ceil(leaseMs / 1000)) * 1000;
    if (s.holderIdentity && s.holderIdentity !== o.identity && observed.at + duration > now) return false;
    await client.request('PUT', `${path}/${encodeURIComponent(o.name)}`, { body: { ...lease, spec: { ...s, ...spec(s, now) } } });
    holder = o.identity;
    observed = undefined;
    return true;
  };

  const schedule = (ms: number) => {
    if (!running) return;
    timer = setTimeout(() => void tick(), ms * (leader ? 1 : 1 + Math.random() * 0.2));
  };

  const tick = async () => {
    if (!running) return;
    let ok = false;
    attempt = tryAcquireOrRenew()
      .then((r) => void (ok = r))
      .catch((e: unknown) => {
        if (!(e instanceof KubeApiError && e.code === 409)) log.warn({ lease: `${o.namespace}/${o.name}`, err: (e as Error).message }, 'lease update failed');
      });
    await attempt;
    attempt = undefined;
    if (!running) return;
    const now = Date.now();
    if (ok) lastRenew = now;
    if (ok && !leader) {
      leader = true;
      log.info({ lease: `${o.namespace}/${o.name}`, identity: o.identity }, 'started leading');
      o.onStartedLeading();
    } else if (!ok && leader && now - lastRenew > renewDeadlineMs) {
      leader = false;
      log.warn({ lease: `${o.namespace}/${o.name}`, identity: o.identity }, 'could not renew the lease in time; stepping down');
      o.onStoppedLeading();
    }
    schedule(leader ? renewMs : retryMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      void tick();
    },
    async stop(opts = {}) {
      running = false;
      if (timer) clearTimeout(timer);
      await attempt;
      if (leader) {
        if (opts.release !== false) {
          try {
            const lease = await client.request<Record<string, any>>('GET', `${path}/${encodeURIComponent(o.name)}`);
            if (lease.spec?.holderIdentity === o.identity) {
              await client.request('PUT', `${path}/${encodeURIComponent(o.name)}`, {
                body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) } },
              });
            }
          } catch (e) {
            log.warn({ err: (e as Error).message }, 'could not release the lease');
          }
        }
        leader = false;
        o.onStoppedLeading();
      }
      client.close();
    },
    isLeader: () => leader,
    currentHolder: () => holder,
  };
}
