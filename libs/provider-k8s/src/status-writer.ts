/**
 * Writes the statuses the controller computes (`StatusStore.onChange(changed, removed)`) to the
 * cluster, through the status subresource.
 *
 * One `statusWriteMachine` actor (from `@portway/lifecycle`, passed in as `machine`: the module
 * boundaries keep providers from importing it) per object, whose `writeStatus` actor is provided
 * here: read the object (or reuse what the last write returned), merge Portway's status into the
 * live one (`status-merge.ts`: other controllers' route parents kept, unchanged conditions keep their
 * transition time), skip the write when nothing differs, else PUT `/status` with the object's
 * resourceVersion. A 409 rejects with kind `conflict`: the machine backs off and retries, and the
 * retry reads the object again and merges again. Requests that arrive during a write coalesce
 * (latest wins). Writes run at most `concurrency` at a time.
 */
import { Counter, Registry } from 'prom-client';
import { createActor, fromPromise, type Actor, type AnyStateMachine } from 'xstate';
import type { KubeConfig } from '@kubernetes/client-node';
import { EventRecorder, type EventRecorderOptions } from './event-recorder.js';
import { KubeApiError, KubeClient, resourcePath } from './kube-client.js';
import { discoverKinds } from './discovery.js';
import { normalizeObject } from './normalize-object.js';
import { mergeStatus, statusDiffers } from './status-merge.js';
import { silentLog, type Log, type StatusUpdate } from './source-types.js';
import { POLICY_KINDS, ROUTE_KINDS, STATUS_KINDS, WATCHED_KINDS, type ServedKind } from './watched-kinds.js';

type Obj = Record<string, any>;

/** The error a write rejects with; `kind` is what `statusWriteMachine` classifies (`conflict`, `transient`, `permanent`, `notFound`). */
export class StatusWriteFailure extends Error {
  constructor(
    readonly kind: 'conflict' | 'transient' | 'permanent' | 'notFound',
    message: string,
  ) {
    super(message);
    this.name = 'StatusWriteFailure';
  }
}

/** Options of {@link createStatusWriter}. */
export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  controllerName: string;
  /** `statusWriteMachine` from `@portway/lifecycle`. */
  machine: AnyStateMachine;
  log?: Log;
  /** Writes in flight at most. Default 8. */
  concurrency?: number;
  /** Retry policy of the machine. Defaults: 5 attempts, 200 ms base, 10 s max. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Events for notable transitions; `false` turns them off. Default on. */
  events?: false | EventRecorderOptions;
  /** Registry for the `portway_status_writes_total` counter. Default: a registry of the writer's own (`writer.metrics`). */
  registry?: Registry;
}

/** Counters of a writer's work. */
export interface StatusWriteCounts {
  /** Successful PUTs of `/status`, total and per kind. */
  writes: number;
  byKind: Record<string, number>;
  /** Requests that found the cluster already up to date. */
  skipped: number;
  /** 409 answers (each one retried). */
  conflicts: number;
  /** Requests given up after the last attempt, or refused for good. */
  failed: number;
}

export interface StatusWriter {
  /** Writes what changed and clears Portway's part of removed objects' status; fits `StatusStore.onChange`. */
  apply(changed: readonly StatusUpdate[], removed: readonly string[]): void;
  /** Resolves when no write is in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** Objects whose status is being written, waits for a retry, or failed last (one actor each; done writes keep none). */
  pending(): number;
  counts(): StatusWriteCounts;
  /** Successful status writes so far. */
  writeCount(): number;
  /** Events created and dropped by rate limiting. */
  eventCounts(): { created: number; dropped: number };
  readonly metrics: Registry;
  /** Stops every actor; writes in flight finish, nothing new starts. */
  stop(): Promise<void>;
}

/**
 * The statuses of a `Kind/namespace/name → status` map (the controller's `StatusStore.previous()`)
 * as updates: what a new leader hands to `apply` to bring the cluster up to date (only differences
 * are written).
 */
export function updatesFromStatusMap(statuses: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): StatusUpdate[] {
  const entries = statuses instanceof Map ? [...statuses.entries()] : Object.entries(statuses);
  return entries.map(([key, status]) => {
    const [kind, namespace, ...rest] = key.split('/');
    return { kind: kind!, ...(namespace ? { namespace } : {}), name: rest.join('/'), status: status as Record<string, unknown> };
  });
}


function classify(e: unknown): StatusWriteFailure {
  if (e instanceof StatusWriteFailure) return e;
  if (e instanceof KubeApiError) {
    if (e.code === 404) return new StatusWriteFailure('notFound', e.message);
    if (e.code === 409) return new StatusWriteFailure('conflict', e.message);
    if (e.code === 0 || e.code === 429 || e.code >= 500) return new StatusWriteFailure('transient', e.message);
    return new StatusWriteFailure('permanent', e.message);
  }
  return new StatusWriteFailure('transient', (e as Error)?.message ?? String(e));
}

/**
 * What a status write needs of an object: identity, resourceVersion and status — not its spec,
 * which the status subresource ignores (one copy of every route's spec is the cache's).
 */
function statusView(o: Obj): Obj {
  const { name, namespace, uid, resourceVersion, generation } = o.metadata ?? {};
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), ...(uid !== undefined ? { uid } : {}), ...(resourceVersion !== undefined ? { resourceVersion } : {}), ...(generation !== undefined ? { generation } : {}) },
    ...(o.status !== undefined ? { status: o.status } : {}),
  };
}

const conditionOf = (conds: unknown, type: string): Obj | undefined => (Array.isArray(conds) ? conds.find((c: Obj) => c?.type === type) : undefined);

export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  const log = options.log ?? silentLog;
  const client = new KubeClient(options.kubeConfig);
  const controllerName = options.controllerName;
  const metrics = options.registry ?? new Registry();
  const counter = new Counter({ name: 'portway_status_writes_total', help: 'Status subresource writes by kind and result (written, skipped, conflict, failed).', labelNames: ['kind', 'result'], registers: [metrics] });
  const counts: StatusWriteCounts = { writes: 0, byKind: {}, skipped: 0, conflicts: 0, failed: 0 };
  const events = options.events === false ? undefined : new EventRecorder(client, log, { component: 'portway-controller', ...options.events });
  /** The object as the last read or write returned it (its status view), by key: a write after our own write needs no read. */
  const known = new Map<string, Obj>();
  const actors = new Map<string, Actor<AnyStateMachine>>();
  let kinds: Promise<Map<string, ServedKind>> | undefined;
  let stopped = false;
  let inFlight = 0;
  const queue: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];

  const servedKinds = () =>
    (kinds ??= discoverKinds(client, log, WATCHED_KINDS.filter((k) => STATUS_KINDS.has(k.kind)))
      .then((ks) => new Map(ks.map((k) => [k.kind as string, k])))
      .catch((e: unknown) => {
        kinds = undefined;
        throw e;
      }));

  const withSlot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (inFlight >= (options.concurrency ?? 8)) await new Promise<void>((r) => queue.push(r));
    inFlight++;
    try {
      return await fn();
    } finally {
      inFlight--;
      queue.shift()?.();
    }
  };

  const notify = (kind: ServedKind, live: Obj, merged: Obj) => {
    if (!events) return;
    const target = { apiVersion: kind.apiVersion, kind: kind.kind, name: live.metadata.name, ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}), uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion };
    if (kind.kind === 'Gateway') {
      const before = conditionOf(live.status?.conditions, 'Programmed');
      const after = conditionOf(merged.conditions, 'Programmed');
      if (after && after.status !== before?.status) {
        events.record(target, after.status === 'True' ? 'Normal' : 'Warning', after.status === 'True' ? 'Programmed' : `NotProgrammed`, `${after.reason}: ${after.message ?? ''}`.trim());
      }
    }
    if (ROUTE_KINDS.has(kind.kind)) {
      for (const p of (merged.parents ?? []) as Obj[]) {
        if (p.controllerName !== controllerName) continue;
        const after = conditionOf(p.conditions, 'Accepted');
        const old = ((live.status?.parents ?? []) as Obj[]).find((x) => x.controllerName === controllerName && JSON.stringify(x.parentRef) === JSON.stringify(p.parentRef));
        const before = conditionOf(old?.conditions, 'Accepted');
        if (after?.status === 'False' && before?.status !== 'False') {
          events.record(target, 'Warning', 'Rejected', `parent ${p.parentRef?.namespace ?? live.metadata.namespace}/${p.parentRef?.name}: ${after.reason}: ${after.message ?? ''}`.trim());
        }
      }
    }
  };

  /** One attempt: read (unless the last answer is fresh enough to try), merge, compare, PUT /status. */
  const writeOnce = async (request: { object: { kind: string; namespace?: string; name: string }; status: unknown }, attempt: number): Promise<void> => {
    const { kind: kindName, namespace, name } = request.object;
    const kind = (await servedKinds()).get(kindName);
    if (!kind) throw new StatusWriteFailure('permanent', `${kindName} is not served by the cluster`);
    const key = `${kindName}/${namespace ?? ''}/${name}`;
    const path = resourcePath(kind, namespace, name);
    // The answer of our own last write is as good as a read; when it turns out stale (409), the
    // object is read again and the write retried once at once, before the machine's backoff.
    const cached = attempt === 1 ? known.get(key) : undefined;
    const tries = cached ? [cached, undefined] : [undefined];
    for (const [i, start] of tries.entries()) {
      const live = start ?? normalizeObject(kind, await client.request<Obj>('GET', path));
      const merged = mergeStatus(live.status, request.status as Obj, controllerName);
      if (!statusDiffers(live.status, merged)) {
        known.set(key, statusView(live));
        counts.skipped++;
        counter.inc({ kind: kindName, result: 'skipped' });
        return;
      }
      try {
        const written = await client.request<Obj>('PUT', `${path}/status`, { body: { ...normalizeObject(kind, live), status: merged } });
        known.set(key, statusView(normalizeObject(kind, written)));
        counts.writes++;
        counts.byKind[kindName] = (counts.byKind[kindName] ?? 0) + 1;
        counter.inc({ kind: kindName, result: 'written' });
        notify(kind, live, merged);
        return;
      } catch (e) {
        known.delete(key);
        const failure = classify(e);
        if (failure.kind !== 'conflict') throw failure;
        counts.conflicts++;
        counter.inc({ kind: kindName, result: 'conflict' });
        if (i === tries.length - 1) throw failure;
      }
    }
  };

  const machine = options.machine.provide({
    actors: {
      writeStatus: fromPromise<void, { request: { object: { kind: string; namespace?: string; name: string }; status: unknown }; attempt: number }>(async ({ input }) =>
        withSlot(async () => {
          try {
            await writeOnce(input.request, input.attempt);
          } catch (e) {
            throw classify(e);
          }
        }),
      ),
    },
  });

  const checkIdle = () => {
    if (idleWaiters.length === 0) return;
    const busy = [...actors.values()].some((a) => {
      const v = a.getSnapshot().value;
      return v === 'writing' || v === 'backoff';
    });
    if (!busy) idleWaiters.splice(0).forEach((r) => r());
  };

  /** Stops and forgets the actor of `key` if it is still that key's actor and still idle. */
  const retire = (key: string, actor: Actor<AnyStateMachine>) => {
    if (actors.get(key) !== actor || actor.getSnapshot().value !== 'idle') return;
    actor.stop();
    actors.delete(key);
  };

  const actorFor = (key: string): Actor<AnyStateMachine> => {
    let actor = actors.get(key);
    if (!actor) {
      actor = createActor(machine, {
        input: { maxAttempts: options.maxAttempts ?? 5, baseDelayMs: options.baseDelayMs ?? 200, maxDelayMs: options.maxDelayMs ?? 10_000, seed: Math.floor(Math.random() * 2 ** 31) },
      });
      actor.on('status.failed', (e: any) => {
        counts.failed++;
        counter.inc({ kind: e.object.kind, result: 'failed' });
        log.warn({ object: `${e.object.kind} ${e.object.namespace ?? ''}/${e.object.name}`, attempts: e.attempts, error: e.error }, 'status write failed');
      });
      actor.on('status.dropped', (e: any) => log.debug({ object: `${e.object.kind} ${e.object.namespace ?? ''}/${e.object.name}`, reason: e.reason }, 'status write dropped'));
      const own = actor;
      actor.subscribe((snapshot) => {
        // Back to idle with nothing queued: the actor is let go (thousands of routes would keep
        // thousands of idle actors); the next request for the key starts a new one.
        if (snapshot.value === 'idle') queueMicrotask(() => retire(key, own));
        checkIdle();
      });
      actor.start();
      actors.set(key, actor);
    }
    return actor;
  };

  const send = (u: StatusUpdate) => {
    const key = `${u.kind}/${u.namespace ?? ''}/${u.name}`;
    actorFor(key).send({ type: 'WRITE_REQUESTED', object: { kind: u.kind, ...(u.namespace ? { namespace: u.namespace } : {}), name: u.name }, status: u.status });
  };

  return {
    apply(changed, removed) {
      if (stopped) return;
      for (const u of changed) if (STATUS_KINDS.has(u.kind)) send(u);
      for (const key of removed) {
        const [kind, namespace, ...rest] = key.split('/');
        const name = rest.join('/');
        if (ROUTE_KINDS.has(kind!)) send({ kind: kind!, ...(namespace ? { namespace } : {}), name, status: { parents: [] } });
        else if (POLICY_KINDS.has(kind!)) send({ kind: kind!, ...(namespace ? { namespace } : {}), name, status: { ancestors: [] } });
        else {
          actors.get(key)?.stop();
          actors.delete(key);
          known.delete(key);
        }
      }
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    pending: () => actors.size,
    counts: () => ({ ...counts, byKind: { ...counts.byKind } }),
    writeCount: () => counts.writes,
    eventCounts: () => events?.counts() ?? { created: 0, dropped: 0 },
    metrics,
    async stop() {
      stopped = true;
      for (const a of actors.values()) a.stop();
      actors.clear();
      idleWaiters.splice(0).forEach((r) => r());
      client.close();
    },
  };
}
