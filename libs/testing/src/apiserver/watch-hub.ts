/**
 * Watches: a chunked stream of JSON events, one per line, as the API server sends them. A watch
 * from an expired resourceVersion gets an ERROR event with a 410 Status and ends; `allowWatchBookmarks`
 * adds periodic BOOKMARK events; `timeoutSeconds` ends the stream. Objects that move in or out of a
 * selector arrive as ADDED or DELETED. Fault knobs: a watch can be stalled (kept open, silent),
 * expired (410) or closed.
 */
import type { ServerResponse } from 'node:http';
import type { ObjectStore, StoreEvent, StoredObject } from './object-store.js';
import type { ResourceHandlers, ResourceRequest } from './resource-handlers.js';
import { resourceId } from './resource-types.js';
import { gone } from './status-errors.js';

interface Watcher {
  request: ResourceRequest;
  resource: string;
  matches: (o: StoredObject) => boolean;
  res: ServerResponse;
  /** A stalled watch stays open and sends nothing more. */
  stalled: boolean;
  timers: NodeJS.Timeout[];
}

/** Which open watches a fault applies to: all, or those of one kind. */
export interface WatchFilter {
  kind?: string;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly store: ObjectStore,
    private readonly handlers: ResourceHandlers,
    private readonly bookmarkIntervalMs: number,
  ) {
    store.subscribe((e) => this.dispatch(e));
  }

  /** Number of open watches (of a kind). */
  count(filter: WatchFilter = {}): number {
    return [...this.watchers].filter((w) => this.hits(w, filter)).length;
  }

  /** Serves one watch request on `res` (the caller checked the resource exists and selectors parse). */
  serve(request: ResourceRequest, res: ServerResponse): void {
    const matches = this.handlers.matcher(request);
    const w: Watcher = { request, resource: resourceId(request.type), matches, res, stalled: false, timers: [] };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rvParam = request.query.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      for (const o of this.store.list(w.resource, request.namespace).filter(matches)) this.send(w, 'ADDED', o);
    } else {
      const rv = Number(rvParam);
      const events = Number.isFinite(rv) ? this.store.eventsSince(w.resource, rv) : 'expired';
      if (events === 'expired') {
        this.expire(w, rvParam);
        return;
      }
      for (const e of events) this.deliver(w, e);
    }
    this.watchers.add(w);
    res.on('close', () => this.drop(w));
    const timeout = Number(request.query.get('timeoutSeconds') ?? 0);
    if (timeout > 0) w.timers.push(setTimeout(() => this.end(w), timeout * 1000));
    const bookmarks = request.query.get('allowWatchBookmarks');
    if (bookmarks === 'true' || bookmarks === '1') {
      w.timers.push(
        setInterval(() => {
          if (w.stalled) return;
          const t = request.type;
          this.write(w, { type: 'BOOKMARK', object: { kind: t.kind, apiVersion: t.group ? `${t.group}/${request.version}` : request.version, metadata: { resourceVersion: String(this.store.currentRv()) } } });
        }, this.bookmarkIntervalMs),
      );
    }
  }

  /** Open watches go silent: connected, but no event or bookmark reaches them any more. */
  stall(filter: WatchFilter = {}): number {
    let n = 0;
    for (const w of this.watchers) if (this.hits(w, filter) && !w.stalled) ((w.stalled = true), n++);
    return n;
  }

  /** Open watches get a 410 ERROR event and end, as when the API server's watch cache drops a lagging watcher. */
  expireAll(filter: WatchFilter = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) if (this.hits(w, filter)) (this.expire(w, String(this.store.oldestRv())), n++);
    return n;
  }

  /** Open watches end normally (server-side close). */
  closeAll(filter: WatchFilter = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) if (this.hits(w, filter)) (this.end(w), n++);
    return n;
  }

  /** Ends every watch (server shutdown). */
  shutdown(): void {
    for (const w of [...this.watchers]) this.end(w);
  }

  private hits(w: Watcher, filter: WatchFilter): boolean {
    return filter.kind === undefined || w.request.type.kind === filter.kind;
  }

  private dispatch(e: StoreEvent): void {
    for (const w of this.watchers) if (w.resource === e.resource) this.deliver(w, e);
  }

  private deliver(w: Watcher, e: StoreEvent): void {
    const was = e.previous !== undefined && w.matches(e.previous);
    const is = w.matches(e.object);
    if (e.type === 'DELETED') {
      if (was) this.send(w, 'DELETED', e.object);
    } else if (is) this.send(w, was ? 'MODIFIED' : 'ADDED', e.object);
    else if (was) this.send(w, 'DELETED', e.object);
  }

  private send(w: Watcher, type: string, o: StoredObject): void {
    if (w.stalled) return;
    this.write(w, { type, object: this.handlers.view(w.request.type, w.request.version, o) });
  }

  private write(w: Watcher, event: unknown): void {
    if (!w.res.writableEnded && !w.res.destroyed) w.res.write(`${JSON.stringify(event)}\n`);
  }

  private expire(w: Watcher, rv: string): void {
    this.write(w, { type: 'ERROR', object: gone(`too old resource version: ${rv} (${this.store.currentRv()})`).body });
    this.end(w);
  }

  private end(w: Watcher): void {
    this.drop(w);
    if (!w.res.writableEnded) w.res.end();
  }

  private drop(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
    this.watchers.delete(w);
  }
}
