/**
 * The Kubernetes resource source: a reflector (list+watch) per watched kind the cluster serves, an
 * object cache that keeps in full only what Portway processes (see `retention.ts`), and a batcher.
 *
 * Order of events: `start` discovers the served kinds, starts every reflector and waits for each
 * one's first complete list; only then is the first state reported (a partial first state would make
 * the controller write wrong statuses). Later changes mark the state dirty; a batch is reported
 * `batchMs` after its first change, and while the previous `onChange` is still running (it returned
 * a promise) further changes are coalesced into the next batch. After each batch, the retention
 * policy is derived again: objects that stopped mattering are reduced to stubs, and stubs that
 * started to matter are fetched in full (their arrival makes another batch).
 */
import type { AnyObject, KindName } from '@portway/api';
import type { KubeConfig } from '@kubernetes/client-node';
import { discoverKinds } from './discovery.js';
import { KubeApiError, KubeClient, resourcePath } from './kube-client.js';
import { isFull, ObjectCache } from './object-cache.js';
import { normalizeObject, type RawObject } from './normalize-object.js';
import { Reflector, type ReflectorStats } from './reflector.js';
import { derivePolicy, keepsFull, type RetentionPolicy } from './retention.js';
import { silentLog, type Log, type ResourceSource, type SourceError, type SourceState } from './source-types.js';
import { WATCHED_KINDS, type ServedKind } from './watched-kinds.js';

/** Options of {@link createKubernetesSource}. */
export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  /** GatewayClass `controllerName` Portway manages (`portway.dev/gateway-controller`). */
  controllerName: string;
  /** Watch namespaced kinds in these namespaces only (cluster-scoped kinds are always watched cluster-wide). Default: all namespaces. */
  namespaces?: readonly string[];
  /** Interval of full relists, which catch events a watch silently missed. Default 5 min. */
  relistMs?: number;
  /** A watch with no event and no bookmark for this long is replaced by a relist. Default 3 min (the API server sends a bookmark about every minute). */
  stallMs?: number;
  /** Delay from the first change of a batch to its report. Default 100 ms. */
  batchMs?: number;
  /** Page size of lists. Default 500. */
  pageSize?: number;
  /** Label selector narrowing the Secret and ConfigMap watches on the server side (of those, only referenced ones are kept anyway). */
  secretLabelSelector?: string;
  /** Kinds to watch (default: every kind Portway reads). */
  kinds?: readonly KindName[];
  log?: Log;
}

/** The Kubernetes source, with a few introspection methods for tests and metrics. */
export interface KubernetesSource extends ResourceSource {
  /** The kinds being watched, at their served version (after `start`). */
  servedKinds(): readonly ServedKind[];
  /** Reflector counters per kind (and namespace). */
  reflectorStats(): Record<string, ReflectorStats>;
  /** Objects held in full and as stubs. */
  cacheCounts(): { full: number; stubs: number };
}

export function createKubernetesSource(options: KubernetesSourceOptions): KubernetesSource {
  const log = options.log ?? silentLog;
  const batchMs = options.batchMs ?? 100;
  const client = new KubeClient(options.kubeConfig);
  let kinds: ServedKind[] = [];
  let cache: ObjectCache | undefined;
  const reflectors = new Map<string, Reflector>();
  let policy: RetentionPolicy | undefined;
  let onChange: ((s: SourceState) => unknown) | undefined;
  let version = 0;
  let reported = -1;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let started = false;
  const fetching = new Set<string>();

  const schedule = () => {
    if (!started || stopped || timer || running) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, batchMs);
  };

  /** Brings the cache in line with the policy the current objects imply; fetches stubs that now matter. */
  const reconcile = () => {
    const c = cache!;
    policy = derivePolicy(options.controllerName, c.stubs(), c.fullObjects());
    for (const [kind, key, e] of [...c.all()]) {
      const want = keepsFull(e.stub, policy);
      if (!want && isFull(e)) c.demote(kind.kind, key);
      else if (want && !isFull(e)) void fetchFull(kind, e.stub.namespace, e.stub.name);
    }
  };

  const fetchFull = async (kind: ServedKind, namespace: string | undefined, name: string) => {
    const id = `${kind.kind}/${namespace ?? ''}/${name}`;
    if (fetching.has(id)) return;
    fetching.add(id);
    try {
      const o = await client.request<RawObject>('GET', resourcePath(kind, namespace, name));
      if (stopped) return;
      cache!.put(kind, normalizeObject(kind, o), policy);
      schedule();
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 404)) log.warn({ kind: kind.kind, namespace, name, err: (e as Error).message }, 'could not fetch an object that became relevant; the next relist will');
    } finally {
      fetching.delete(id);
    }
  };

  const buildState = (): SourceState => {
    const objects: AnyObject[] = [];
    const errors: SourceError[] = [];
    for (const e of cache!.ordered()) {
      if (e.object) objects.push(e.object);
      if (e.errors) errors.push(...e.errors);
    }
    return { objects, errors, version: ++version };
  };

  const flush = () => {
    if (stopped || !cache) return;
    reconcile();
    if (cache.changes === reported) return;
    reported = cache.changes;
    const state = buildState();
    const result = onChange!(state);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      running = (result as Promise<unknown>).catch((e: unknown) => log.error({ err: (e as Error).message }, 'onChange failed')).finally(() => {
        running = undefined;
        if (cache!.changes !== reported) schedule();
      });
    }
  };

  return {
    async start(cb) {
      if (started || onChange) throw new Error('the Kubernetes source is already started');
      onChange = cb;
      const wanted = options.kinds ? WATCHED_KINDS.filter((k) => options.kinds!.includes(k.kind)) : WATCHED_KINDS;
      try {
        kinds = await discoverKinds(client, log, wanted);
      } catch (e) {
        throw new Error(`cannot reach the Kubernetes API server at ${options.kubeConfig.getCurrentCluster()?.server}: ${(e as Error).message}`);
      }
      cache = new ObjectCache(kinds);
      const c = cache;
      for (const kind of kinds) {
        const scopes = kind.namespaced && options.namespaces?.length ? options.namespaces : [undefined];
        for (const namespace of scopes) {
          const secretLike = kind.kind === 'Secret' || kind.kind === 'ConfigMap';
          const r = new Reflector({
            client,
            kind,
            ...(namespace ? { namespace } : {}),
            ...(secretLike && options.secretLabelSelector ? { labelSelector: options.secretLabelSelector } : {}),
            pageSize: options.pageSize ?? 500,
            relistMs: options.relistMs ?? 300_000,
            stallMs: options.stallMs ?? 180_000,
            log,
            onReplace: (items) => {
              c.replace(kind, namespace, items, policy);
              schedule();
            },
            onEvent: (type, o) => {
              if (type === 'DELETED') c.remove(kind, o);
              else c.put(kind, o, policy);
              schedule();
            },
          });
          reflectors.set(namespace ? `${kind.kind}/${namespace}` : kind.kind, r);
        }
      }
      await Promise.all([...reflectors.values()].map((r) => r.start()));
      if (stopped) return;
      started = true;
      // The first state: everything was kept in full while listing; the policy now trims it.
      reconcile();
      reported = cache.changes;
      const first = onChange(buildState());
      if (first && typeof (first as Promise<unknown>).then === 'function') await first;
      if (cache.changes !== reported) schedule();
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all([...reflectors.values()].map((r) => r.stop()));
      client.close();
    },

    servedKinds: () => kinds,
    reflectorStats: () => Object.fromEntries([...reflectors].map(([k, r]) => [k, r.stats])),
    cacheCounts: () => cache?.counts() ?? { full: 0, stubs: 0 },
  };
}
