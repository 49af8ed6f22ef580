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
import {
  assembleConfig,
  backendHash,
  deepFreeze,
  isMissingShards,
  shardConfig,
  shardIdOfBytes,
  virtualHostHash,
  type Backend,
  type ConfigManifest,
  type ConfigShard,
  type ConfigShardItem,
  type GatewayConfig,
  type VirtualHost,
} from '@portway/ir';

/**
 * One apply as it goes to a worker: every config's manifest, and the shards the worker lacks, as
 * their canonical JSON text (what their ids are the sha256 of). Decoded, a text gives objects in
 * canonical key order, which `canonicalText` hashes without sorting; and the worker checks each
 * text against its id.
 */
export interface ShardedApply {
  manifests: ConfigManifest[];
  shards: [id: string, text: string][];
}

/** Shards of one apply, built once for every worker (see {@link ShardOutbox.prepare}). */
export interface PreparedApply {
  readonly manifests: readonly ConfigManifest[];
  /** Canonical JSON of the built shards by id: every shard some worker lacks. */
  readonly shards: ReadonlyMap<string, string>;
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
    const shards = new Map<string, string>();
    for (const config of configs) {
      const sharded = shardConfig(config, { have });
      manifests.push(sharded.manifest);
      for (const [id, text] of sharded.shardBytes) shards.set(id, text);
    }
    return { manifests, shards };
  }

  /** The message for `worker`; from now on it holds exactly the shards of `prepared`. */
  messageFor(worker: number, prepared: PreparedApply): ShardedApply {
    const held = this.held.get(worker) ?? EMPTY;
    const live = new Set<string>();
    const shards: [string, string][] = [];
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
  /** Each gateway's last assembled config (deeply frozen) and the manifest it came from. */
  private last = new Map<string, { readonly manifest: ConfigManifest; readonly config: GatewayConfig }>();

  /**
   * Takes the shards of an apply and assembles its configs (deeply frozen). On success the cache
   * keeps exactly the shards the manifests name; on failure it is emptied (the primary forgets
   * what this worker held, too) and nothing is assembled.
   *
   * A gateway whose manifest is the same as last time gets the same config object; otherwise the
   * parts of its config made of the same objects as last time are last time's (see
   * `withUnchangedParts` of `@portway/ir`), so their hashes, validation and compiled form are
   * remembered, and an edit costs what it changed.
   */
  receive(apply: ShardedApply): GatewayConfig[] {
    const live = new Set<string>();
    for (const m of apply.manifests) for (const id of m.shards) live.add(id);
    const configs: GatewayConfig[] = [];
    const last = new Map<string, { manifest: ConfigManifest; config: GatewayConfig }>();
    try {
      const retired = apply.shards.length > 0 ? this.retiredParts(live) : undefined;
      for (const [id, text] of apply.shards) {
        if (typeof text !== 'string' || shardIdOfBytes(text) !== id) throw new ShardCacheError(`shard ${id}: its content does not match its id`, false);
        const shard = deepFreeze(JSON.parse(text) as ConfigShard);
        this.cache.set(id, retired !== undefined ? withKnownParts(shard, retired) : shard);
      }
      for (const manifest of apply.manifests) {
        const key = `${manifest.gateway.namespace}/${manifest.gateway.name}`;
        const before = this.last.get(key);
        let config: GatewayConfig;
        if (before !== undefined && sameManifest(before.manifest, manifest)) {
          // Its shards are held: the previous apply named them and nothing failed since.
          config = before.config;
        } else {
          const assembled = assembleConfig(manifest, (id) => this.cache.get(id), before?.config);
          if (isMissingShards(assembled)) {
            throw new ShardCacheError(`gateway ${key}: ${assembled.missing.length} shard(s) missing (${assembled.missing.slice(0, 3).join(', ')})`, true);
          }
          config = deepFreeze(assembled);
        }
        configs.push(config);
        last.set(key, { manifest, config });
      }
    } catch (e) {
      this.cache = new Map();
      this.last = new Map();
      throw e instanceof ShardCacheError ? e : new ShardCacheError((e as Error).message, false);
    }
    this.last = last;
    for (const id of this.cache.keys()) if (!live.has(id)) this.cache.delete(id);
    return configs;
  }

  /**
   * The virtual hosts and backends of the held shards this apply no longer names, by content
   * hash: a new shard holding one of them with the same content (a neighbour of the edited
   * route, in the shard that changed) gets the held object instead of its decoded copy.
   */
  private retiredParts(live: ReadonlySet<string>): Map<string, object> {
    const parts = new Map<string, object>();
    for (const [id, shard] of this.cache) {
      if (live.has(id)) continue;
      for (const item of shard.items) {
        const key = partKey(item);
        if (key !== undefined) parts.set(key, (item.t === 'vh' ? item.v : item.b) as object);
      }
    }
    return parts;
  }

  /** Shards held (tests, diagnostics). */
  get size(): number {
    return this.cache.size;
  }
}

/** Same config hash and the same shards in the same order. */
function sameManifest(a: ConfigManifest, b: ConfigManifest): boolean {
  if (a.hash !== b.hash || a.shards.length !== b.shards.length) return false;
  for (let i = 0; i < a.shards.length; i++) if (a.shards[i] !== b.shards[i]) return false;
  return true;
}

/** Content key of a whole virtual host or backend item (hashes are remembered for frozen ones); undefined for other items. */
function partKey(item: ConfigShardItem): string | undefined {
  if (item.t === 'vh' && isObject(item.v)) return `vh ${virtualHostHash(item.v as VirtualHost)}`;
  if (item.t === 'backend' && typeof item.k === 'string' && isObject(item.b)) return `backend ${item.k} ${backendHash(item.b as Backend)}`;
  return undefined;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `shard` (deeply frozen) with each whole virtual host or backend that has the same content as
 * one of `known` (by sha256) replaced by that object; the same shard when none does. The content
 * is unchanged, so the shard's id still holds.
 */
function withKnownParts(shard: ConfigShard, known: ReadonlyMap<string, object>): ConfigShard {
  if (known.size === 0) return shard;
  let items: ConfigShardItem[] | undefined;
  shard.items.forEach((item, i) => {
    const key = partKey(item);
    const held = key !== undefined ? known.get(key) : undefined;
    if (held === undefined) return;
    items ??= [...shard.items];
    items[i] = Object.freeze(item.t === 'vh' ? { ...item, v: held } : { ...item, b: held });
  });
  return items === undefined ? shard : deepFreeze({ ...shard, items });
}
