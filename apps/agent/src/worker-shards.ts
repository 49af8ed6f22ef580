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
  shardTextOf,
  sha256Text,
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
 * the canonical JSON text of their items (joined by `shardTextOf`, what their ids are the sha256
 * of). The worker checks each shard against its id; decoded, a text gives objects in canonical
 * key order, which `canonicalText` hashes without sorting; and a virtual host's own text is a
 * slice of its item's, so it is recognized by content without serializing it again.
 */
export interface ShardedApply {
  manifests: ConfigManifest[];
  shards: [id: string, items: string[]][];
}

/** Shards of one apply, built once for every worker (see {@link ShardOutbox.prepare}). */
export interface PreparedApply {
  readonly manifests: readonly ConfigManifest[];
  /** Canonical JSON of the items of the built shards by id: every shard some worker lacks. */
  readonly shards: ReadonlyMap<string, string[]>;
  /** Every shard id the manifests name: what a worker holds once it has this apply. */
  readonly live: ReadonlySet<string>;
  /** What each worker held when the shards were prepared (a worker lacks only built shards then). */
  readonly basis: ReadonlyMap<number, ReadonlySet<string>>;
}

/** The primary's side: what each worker holds, and what to send it. */
export class ShardOutbox {
  /** Shard ids each worker holds, by worker id. */
  private readonly held = new Map<number, ReadonlySet<string>>();
  /**
   * Item texts of the shards built so far (by frozen part): a shard rebuilt around an edited
   * route serializes that route's virtual host, not its neighbours again (memory: about the
   * size of the config's text).
   */
  private readonly texts = new WeakMap<object, string>();

  /**
   * Shards the configs for `workers`: a shard every one of them holds is named but not built
   * (for frozen parts its id is remembered, so an unchanged shard costs nearly nothing).
   */
  prepare(configs: readonly GatewayConfig[], workers: readonly number[]): PreparedApply {
    const basis = new Map(workers.map((w) => [w, this.held.get(w) ?? EMPTY] as const));
    const sets = [...basis.values()];
    const have = (id: string) => sets.length > 0 && sets.every((s) => s.has(id));
    const manifests: ConfigManifest[] = [];
    const shards = new Map<string, string[]>();
    const live = new Set<string>();
    for (const config of configs) {
      const sharded = shardConfig(config, { have, texts: this.texts, only: 'items' });
      manifests.push(sharded.manifest);
      for (const id of sharded.manifest.shards) live.add(id);
      for (const [id, items] of sharded.shardItems) shards.set(id, items);
    }
    return { manifests, shards, live, basis };
  }

  /** The message for `worker`; from now on it holds exactly the shards of `prepared`. */
  messageFor(worker: number, prepared: PreparedApply): ShardedApply {
    const held = this.held.get(worker) ?? EMPTY;
    const shards: [string, string[]][] = [];
    if (prepared.basis.get(worker) === held) {
      // Prepared against what it holds: it lacks built shards only (an edit: a few), no pass over the manifests.
      for (const [id, items] of prepared.shards) if (!held.has(id)) shards.push([id, items]);
    } else {
      for (const id of prepared.live) {
        if (held.has(id)) continue;
        const shard = prepared.shards.get(id);
        if (shard === undefined) throw new Error(`shard ${id} was not prepared for worker ${worker}`);
        shards.push([id, shard]);
      }
    }
    this.held.set(worker, prepared.live);
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
      for (const [id, texts] of apply.shards) {
        if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string') || shardIdOfBytes(shardTextOf(texts)) !== id) {
          throw new ShardCacheError(`shard ${id}: its content does not match its id`, false);
        }
        this.cache.set(id, decodeShard(texts, retired));
      }
      for (const manifest of apply.manifests) {
        const key = `${manifest.gateway.namespace}/${manifest.gateway.name}`;
        const before = this.last.get(key);
        let config: GatewayConfig;
        if (before !== undefined && sameManifest(before.manifest, manifest)) {
          // Its shards are held: the previous apply named them and nothing failed since.
          config = before.config;
        } else {
          const assembled = assembleConfig(manifest, (id) => this.cache.get(id), before?.config, before?.manifest);
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

/** How the canonical text of a whole virtual host item begins (its keys sorted: "t", then "v"). */
const VH_ITEM_HEAD = '{"t":"vh","v":';

/**
 * A shard from the canonical texts of its items, deeply frozen. A whole virtual host or backend
 * with the same content as one of `known` is that object rather than its decoded copy: a virtual
 * host is recognized by the sha256 of its text (a slice of its item's), a backend by its hash.
 * Same content, so the shard's id still holds.
 */
function decodeShard(texts: readonly string[], known: ReadonlyMap<string, object> | undefined): ConfigShard {
  const items = texts.map((text): ConfigShardItem => {
    if (known !== undefined && known.size > 0 && text.startsWith(VH_ITEM_HEAD) && text.endsWith('}')) {
      const held = known.get(`vh ${sha256Text(text.slice(VH_ITEM_HEAD.length, -1))}`);
      if (held !== undefined) return { t: 'vh', v: held };
    }
    const item = deepFreeze(JSON.parse(text) as ConfigShardItem);
    if (known === undefined || item.t !== 'backend') return item;
    const key = partKey(item);
    const held = key !== undefined ? known.get(key) : undefined;
    return held !== undefined ? { ...item, b: held } : item;
  });
  return deepFreeze({ items });
}
