/**
 * How configs travel from the agent's primary process to its proxy workers: as content-addressed
 * shards (`shardConfig` of `@portway/ir`), each worker receiving only the shards it does not hold
 * yet. After an edit of one route in a 10,000-route config, a worker gets one manifest per gateway
 * and the shard or two that changed, not the whole config; it assembles the configs from its
 * cache (checked against each manifest's `configHash`), so the virtual hosts of unchanged shards
 * are the very objects it already served, and what it compiled from them is reused.
 *
 * Both sides follow the same rule, so they agree on what a worker holds without asking: after an
 * apply, a worker holds exactly the shards named by that apply's manifests. A worker that finds a
 * shard missing (it cannot happen unless a message was lost) asks for a full resend.
 */
import { assembleConfig, deepFreeze, isMissingShards, shardConfig, type ConfigManifest, type ConfigShard, type GatewayConfig } from '@portway/ir';

/** One apply as it goes to a worker: every config's manifest, and the shards the worker lacks. */
export interface ShardedApply {
  manifests: ConfigManifest[];
  shards: [id: string, shard: ConfigShard][];
}

/** Shards of one apply, built once for every worker (see {@link ShardOutbox.prepare}). */
export interface PreparedApply {
  readonly manifests: readonly ConfigManifest[];
  /** Built shards by id: every shard some worker lacks. */
  readonly shards: ReadonlyMap<string, ConfigShard>;
}

/** The primary's side: what each worker holds, and what to send it. */
export class ShardOutbox {
  /** Shard ids each worker holds, by worker id. */
  private readonly held = new Map<number, ReadonlySet<string>>();

  /**
   * Shards the configs for `workers`: a shard every one of them holds is named but not built
   * (for frozen parts its id is remembered, so an unchanged shard costs nearly nothing).
   */
  prepare(configs: readonly GatewayConfig[], workers: readonly number[]): PreparedApply {
    const sets = workers.map((w) => this.held.get(w) ?? EMPTY);
    const have = (id: string) => sets.length > 0 && sets.every((s) => s.has(id));
    const manifests: ConfigManifest[] = [];
    const shards = new Map<string, ConfigShard>();
    for (const config of configs) {
      const sharded = shardConfig(config, { have });
      manifests.push(sharded.manifest);
      for (const [id, s] of sharded.shards) shards.set(id, s);
    }
    return { manifests, shards };
  }

  /** The message for `worker`; from now on it holds exactly the shards of `prepared`. */
  messageFor(worker: number, prepared: PreparedApply): ShardedApply {
    const held = this.held.get(worker) ?? EMPTY;
    const live = new Set<string>();
    const shards: [string, ConfigShard][] = [];
    for (const m of prepared.manifests) {
      for (const id of m.shards) {
        if (live.has(id)) continue;
        live.add(id);
        if (held.has(id)) continue;
        const shard = prepared.shards.get(id);
        if (shard === undefined) throw new Error(`shard ${id} was not prepared for worker ${worker}`);
        shards.push([id, shard]);
      }
    }
    this.held.set(worker, live);
    return { manifests: [...prepared.manifests], shards };
  }

  /** The worker holds nothing (new, gone, or asked for a resend). */
  forget(worker: number): void {
    this.held.delete(worker);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** Why a worker could not assemble an apply. */
export class ShardCacheError extends Error {
  override readonly name = 'ShardCacheError';
  constructor(
    message: string,
    /** True when shards were missing: the primary should send everything again. */
    readonly resend: boolean,
  ) {
    super(message);
  }
}

/** The worker's side: shards by id (frozen), and the configs assembled from them. */
export class ShardInbox {
  private cache = new Map<string, ConfigShard>();
  /** Backends table of each gateway's last config (frozen), kept while its entries are the same objects. */
  private tables = new Map<string, GatewayConfig['backends']>();

  /**
   * Takes the shards of an apply and assembles its configs (deeply frozen). On success the cache
   * keeps exactly the shards the manifests name; on failure it is emptied (the primary forgets
   * what this worker held, too) and nothing is assembled.
   */
  receive(apply: ShardedApply): GatewayConfig[] {
    for (const [id, shard] of apply.shards) this.cache.set(id, deepFreeze(shard));
    const configs: GatewayConfig[] = [];
    try {
      for (const manifest of apply.manifests) {
        const config = assembleConfig(manifest, (id) => this.cache.get(id));
        if (isMissingShards(config)) {
          throw new ShardCacheError(`gateway ${manifest.gateway.namespace}/${manifest.gateway.name}: ${config.missing.length} shard(s) missing (${config.missing.slice(0, 3).join(', ')})`, true);
        }
        configs.push(deepFreeze(this.sameTable(config)));
      }
    } catch (e) {
      this.cache = new Map();
      throw e instanceof ShardCacheError ? e : new ShardCacheError((e as Error).message, false);
    }
    this.tables = new Map(configs.map((c) => [`${c.gateway.namespace}/${c.gateway.name}`, c.backends]));
    const live = new Set<string>();
    for (const m of apply.manifests) for (const id of m.shards) live.add(id);
    for (const id of this.cache.keys()) if (!live.has(id)) this.cache.delete(id);
    return configs;
  }

  /**
   * The assembled config with the previous backends table when every entry is the same (frozen)
   * backend object: what is remembered about the table (its hash, which references resolve in it)
   * then still applies.
   */
  private sameTable(config: GatewayConfig): GatewayConfig {
    const previous = this.tables.get(`${config.gateway.namespace}/${config.gateway.name}`);
    if (previous === undefined || previous === config.backends) return config;
    const keys = Object.keys(config.backends);
    if (keys.length !== Object.keys(previous).length) return config;
    for (const k of keys) if (!Object.hasOwn(previous, k) || previous[k] !== config.backends[k]) return config;
    return { ...config, backends: previous };
  }

  /** Shards held (tests, diagnostics). */
  get size(): number {
    return this.cache.size;
  }
}
