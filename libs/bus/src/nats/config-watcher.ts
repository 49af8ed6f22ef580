/**
 * An agent's view of its cluster's configs: follows the manifest keys `<cluster>.gw.>`, and for
 * each manifest revision fetches the shards it lacks, assembles the config, and only then hands
 * the whole of it to the handler — never a partial config.
 *
 * Each gateway key has at most one resolution under way, an effect fiber in a `FiberMap`: a newer
 * manifest for the same key interrupts the older one's fiber (it is superseded, whatever it was
 * waiting for), and a deletion interrupts it too. A shard that is not on the bus yet is fetched
 * again with a capped exponential backoff until it arrives or a newer manifest supersedes it.
 */
import { Cause, Duration, Effect, Exit, FiberMap, Schedule, Scope } from 'effect';
import { assembleConfig, isMissingShards, type ConfigManifest } from '@portway/ir';
import type { ConfigEntry, ConfigKey } from '../types.js';
import { BusDataError, errorMessage } from './errors.js';
import { parseManifestKey } from './keys.js';
import type { KvChange } from './kv-follower.js';
import { decodeManifest } from './messages.js';
import type { ShardReader } from './shard-reader.js';

export type ConfigChangeHandler = (change: { key: ConfigKey; entry: ConfigEntry | null }) => void;

export interface ConfigWatcherOptions {
  cluster: string;
  reader: ShardReader;
  handler: ConfigChangeHandler;
  onError: (error: unknown) => void;
  /** Backoff while shards are missing. Default 50 ms doubling up to 2 s. */
  retry?: { minMs?: number; maxMs?: number };
}

/** Shards a manifest names are not (all) on the bus yet. */
class ShardsMissing {
  readonly _tag = 'ShardsMissing';
  constructor(readonly ids: string[]) {}
}

/** Turns manifest changes (from a `KvFollower`) into complete configs for the handler. */
export class ConfigWatcher {
  private readonly scope = Effect.runSync(Scope.make());
  private readonly fibers = Effect.runSync(FiberMap.make<string>().pipe(Scope.extend(this.scope)));
  /** Latest manifest per key: being resolved or delivered. Its shards stay cached. */
  private readonly latest = new Map<string, { revision: number; manifest: ConfigManifest }>();
  /** Revision delivered per key. */
  private readonly delivered = new Map<string, number>();
  private stopped = false;
  private readonly schedule: Schedule.Schedule<unknown, unknown>;

  constructor(private readonly options: ConfigWatcherOptions) {
    const min = options.retry?.minMs ?? 50;
    const max = options.retry?.maxMs ?? 2_000;
    // The shorter of the two delays: exponential from `min`, capped at `max`; forever.
    this.schedule = Schedule.exponential(Duration.millis(min)).pipe(Schedule.union(Schedule.spaced(Duration.millis(max))));
  }

  /** Feeds one change of the manifest keys (in stream order). */
  onChange(change: KvChange): void {
    if (this.stopped) return;
    const key = parseManifestKey(change.key);
    if (!key) return;
    const k = change.key;
    if (change.operation !== 'PUT') {
      this.latest.delete(k);
      Effect.runSync(FiberMap.remove(this.fibers, k));
      if (this.delivered.delete(k)) this.call({ key, entry: null });
      this.retainLive();
      return;
    }
    if (change.revision <= (this.latest.get(k)?.revision ?? 0)) return;
    const decoded = decodeManifest(change.value);
    if (!decoded.ok) {
      this.options.onError(new BusDataError({ key: k, message: `manifest ${k}@${change.revision} refused: ${decoded.error}` }));
      return;
    }
    this.latest.set(k, { revision: change.revision, manifest: decoded.value });
    // Replaces (interrupts) the fiber resolving an older revision of this key.
    Effect.runSync(FiberMap.run(this.fibers, k, this.resolve(key, k, change.revision, decoded.value)));
  }

  /** Resolves once no revision is being resolved (after the initial values: "synced"). */
  idle(): Promise<void> {
    return Effect.runPromise(FiberMap.awaitEmpty(this.fibers));
  }

  stop(): void {
    this.stopped = true;
    Effect.runFork(Scope.close(this.scope, Exit.void));
  }

  private resolve(key: ConfigKey, k: string, revision: number, manifest: ConfigManifest): Effect.Effect<void> {
    const { reader, cluster } = { reader: this.options.reader, cluster: this.options.cluster };
    let attempts = 0;
    const load = Effect.tryPromise({ try: () => reader.load(cluster, manifest.shards), catch: (e) => e }).pipe(
      Effect.flatMap((missing) => (missing.length > 0 ? Effect.fail(new ShardsMissing(missing)) : Effect.void)),
      Effect.tapError((e) => {
        attempts++;
        // Missing shards are expected for a moment (the writer puts shards first, a reader may be
        // early); report them only when they stay missing. Other failures are reported each time
        // (with the backoff, at most one every couple of seconds).
        if (e instanceof ShardsMissing) {
          if (attempts === 20) this.options.onError(new BusDataError({ key: k, message: `revision ${revision}: shards not found yet (${e.ids.slice(0, 3).join(', ')}${e.ids.length > 3 ? ', ...' : ''}); still trying` }));
        } else {
          this.options.onError(e);
        }
        return Effect.void;
      }),
      Effect.retry(this.schedule),
    );
    return load.pipe(
      Effect.flatMap(() =>
        Effect.sync(() => {
          let config;
          try {
            config = assembleConfig(manifest, (id) => reader.peek(id));
          } catch (e) {
            this.options.onError(new BusDataError({ key: k, message: `revision ${revision} does not assemble: ${errorMessage(e)}` }));
            return;
          }
          if (isMissingShards(config)) return; // cannot happen: retain() keeps the shards of `latest`
          this.delivered.set(k, revision);
          this.call({ key, entry: { key, revision, hash: manifest.hash, config } });
          this.retainLive();
        }),
      ),
      // Interruption means superseded (or stopped): nothing to report.
      Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.void : Effect.sync(() => this.options.onError(new Error(Cause.pretty(cause)))))),
    );
  }

  private retainLive(): void {
    const live = new Set<string>();
    for (const { manifest } of this.latest.values()) for (const id of manifest.shards) live.add(id);
    this.options.reader.retain(live);
  }

  private call(change: { key: ConfigKey; entry: ConfigEntry | null }): void {
    try {
      this.options.handler(change);
    } catch (e) {
      this.options.onError(e);
    }
  }
}
