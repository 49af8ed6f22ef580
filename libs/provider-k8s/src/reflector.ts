/**
 * List+watch of one kind (in one namespace, or cluster-wide), the way client-go's reflector does it,
 * with what `@kubernetes/client-node`'s informer lacks: the list is paged (`limit`/`continue`); the
 * watch asks for bookmarks and resumes from the last resourceVersion when the server ends it; a watch
 * that expires (410 Gone, as an HTTP code or an ERROR event) or stalls (no event and no bookmark for
 * `stallMs`) is replaced by a fresh list; a periodic relist catches events a watch silently missed;
 * failures back off exponentially. `managedFields` are dropped before objects reach the cache, and
 * list items get the `apiVersion`/`kind` the API server leaves out of lists of built-in kinds.
 *
 * (The library's `ListWatch` does not page, ignores bookmarks, cannot tell a stalled watch, stops for
 * good on any error other than 410 and keeps every object in its own cache: hence this class.)
 */
import { KubeApiError, resourcePath, type KubeClient, type WatchHandle } from './kube-client.js';
import { normalizeObject, type RawObject } from './normalize-object.js';
import type { Log } from './source-types.js';
import type { ServedKind } from './watched-kinds.js';

export type { RawObject } from './normalize-object.js';

/** Why a watch ended. */
export type WatchEnd = 'closed' | 'expired' | 'stalled' | 'relist' | 'error' | 'stopped';

export interface ReflectorOptions {
  client: KubeClient;
  kind: ServedKind;
  /** Watch this namespace only (namespaced kinds); cluster-wide when absent. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of lists. */
  pageSize: number;
  /** Interval of full relists. */
  relistMs: number;
  /** A watch silent (no event, no bookmark) this long is considered stalled. */
  stallMs: number;
  log: Log;
  /** The full content after a (re)list: objects missing from it are gone. */
  onReplace(items: RawObject[]): void;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: RawObject): void;
}

/** Counters of a reflector's life (for tests and metrics). */
export interface ReflectorStats {
  lists: number;
  watches: number;
  relists: Record<Exclude<WatchEnd, 'closed' | 'stopped'>, number>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Reflector {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, relists: { expired: 0, stalled: 0, relist: 0, error: 0 } };
  private stopped = false;
  private resourceVersion = '';
  private current: { handle?: WatchHandle; finish: (end: WatchEnd) => void } | undefined;
  private readonly synced: Promise<void>;
  private markSynced!: () => void;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ReflectorOptions) {
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  /** Starts listing and watching; resolves after the first complete list was delivered. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.synced;
  }

  /** Stops the watch; no callback runs after the returned promise resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    // A `start()` still waiting for the first list returns (the source checks `stopped`).
    this.markSynced();
    this.current?.finish('stopped');
    this.wake?.();
    await this.loop;
  }

  private path(): string {
    return resourcePath(this.o.kind, this.o.namespace);
  }

  private normalize(o: any): RawObject {
    return normalizeObject(this.o.kind, o);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.list();
        if (this.stopped) return;
        this.markSynced();
        failures = 0;
        const listedAt = Date.now();
        let end: WatchEnd;
        for (;;) {
          const opened = Date.now();
          end = await this.watch(listedAt);
          if (end !== 'closed' || this.stopped) break;
          // A watch the server ends at once, over and over, must not spin: resume after a pause.
          if (Date.now() - opened < 1000) await this.pause(1000);
        }
        if (end === 'stopped') return;
        if (end !== 'closed') this.stats.relists[end]++;
        this.o.log.debug({ kind: this.o.kind.kind, namespace: this.o.namespace, reason: end }, 'relisting');
        if (end === 'error') await this.pause(500);
      } catch (e) {
        if (this.stopped) return;
        failures++;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.o.log.warn({ kind: this.o.kind.kind, namespace: this.o.namespace, err: (e as Error).message, retryInMs: delay }, 'list failed; retrying');
        await this.pause(delay);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return Promise.race([sleep(ms), new Promise<void>((r) => (this.wake = r))]);
  }

  /** A consistent paged list; a continue token that expires mid-way restarts it. */
  private async list(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const items: RawObject[] = [];
      let cont: string | undefined;
      let rv = '';
      try {
        do {
          const page = await this.o.client.request<{ metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] }>('GET', this.path(), {
            query: { limit: this.o.pageSize, continue: cont, labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector },
          });
          if (!cont) rv = page.metadata?.resourceVersion ?? '';
          for (const i of page.items ?? []) items.push(this.normalize(i));
          cont = page.metadata?.continue || undefined;
        } while (cont && !this.stopped);
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 410 && attempt < 3) continue;
        throw e;
      }
      if (this.stopped) return;
      this.stats.lists++;
      this.resourceVersion = rv;
      this.o.onReplace(items);
      return;
    }
  }

  /** One watch from the current resourceVersion, until it ends for one of the {@link WatchEnd} reasons. */
  private watch(listedAt: number): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve) => {
      let lastActivity = Date.now();
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const state: { handle?: WatchHandle; finish: (end: WatchEnd) => void } = {
        finish: (end) => {
          if (settled) return;
          settled = true;
          for (const t of timers) clearTimeout(t);
          state.handle?.abort();
          this.current = undefined;
          resolve(end);
        },
      };
      this.current = state;
      if (this.stopped) return state.finish('stopped');
      const check = Math.max(10, Math.min(this.o.stallMs / 4, 5_000));
      timers.push(
        setInterval(() => {
          if (Date.now() - lastActivity > this.o.stallMs) {
            this.o.log.warn({ kind: this.o.kind.kind, namespace: this.o.namespace, silentMs: Date.now() - lastActivity }, 'watch stalled (no event or bookmark); relisting');
            state.finish('stalled');
          }
        }, check),
      );
      timers.push(setTimeout(() => state.finish('relist'), Math.max(0, listedAt + this.o.relistMs - Date.now())));
      this.stats.watches++;
      // The server ends a watch after timeoutSeconds; spread over 5-10 min as client-go does.
      const timeoutSeconds = Math.round(300 + Math.random() * 300);
      this.o.client
        .watch(
          this.path(),
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector },
          (e) => {
            if (settled) return;
            lastActivity = Date.now();
            if (e.type === 'ERROR') {
              const code = Number(e.object?.code ?? 0);
              this.o.log.info({ kind: this.o.kind.kind, code, message: e.object?.message }, 'watch error event');
              state.finish(code === 410 ? 'expired' : 'error');
              return;
            }
            const rv = e.object?.metadata?.resourceVersion;
            if (e.type === 'BOOKMARK') {
              if (rv) this.resourceVersion = rv;
              return;
            }
            const obj = this.normalize(e.object);
            if (rv) this.resourceVersion = rv;
            this.o.onEvent(e.type, obj);
          },
          (err) => {
            if (settled) return;
            if (!err) state.finish('closed');
            else {
              this.o.log.info({ kind: this.o.kind.kind, code: err.code, err: err.message }, 'watch failed');
              state.finish(err.code === 410 ? 'expired' : 'error');
            }
          },
        )
        .then(
          (handle) => {
            state.handle = handle;
            if (settled) handle.abort();
          },
          (err: unknown) => {
            this.o.log.info({ kind: this.o.kind.kind, err: (err as Error).message }, 'watch could not start');
            state.finish('error');
          },
        );
    });
  }
}
