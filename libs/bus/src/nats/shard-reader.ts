/**
 * Reads config shards from the `portway-config` bucket by key, checks each against its id (the
 * sha256 prefix of its bytes) and its format, and keeps them in memory by id (frozen), so a new
 * manifest revision only fetches the shards it does not share with the previous one.
 */
import { deepFreeze, shardIdOfBytes, validateConfigShard, type ConfigShard } from '@portway/ir';
import type { KV } from '@nats-io/kv';
import { BusDataError } from './errors.js';
import { shardKey } from './keys.js';

export class ShardReader {
  private readonly cache = new Map<string, ConfigShard>();
  /** Shards fetched from the bus since creation (for tests and metrics). */
  fetched = 0;

  constructor(
    private readonly kv: KV,
    private readonly concurrency = 16,
  ) {}

  /** The cached shard, if any. */
  peek(id: string): ConfigShard | undefined {
    return this.cache.get(id);
  }

  /** Fetches the shards of `ids` not cached yet; resolves with the ids that are not on the bus (yet). */
  async load(cluster: string, ids: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(ids)].filter((id) => !this.cache.has(id));
    const missing: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const id = wanted[next++]!;
        const shard = await this.fetch(cluster, id);
        if (shard) this.cache.set(id, shard);
        else missing.push(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, wanted.length) }, worker));
    return missing;
  }

  /** Drops the cached shards not in `live`. */
  retain(live: ReadonlySet<string>): void {
    for (const id of this.cache.keys()) if (!live.has(id)) this.cache.delete(id);
  }

  get size(): number {
    return this.cache.size;
  }

  private async fetch(cluster: string, id: string): Promise<ConfigShard | undefined> {
    const key = shardKey(cluster, id);
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    this.fetched++;
    if (shardIdOfBytes(entry.value) !== id) throw new BusDataError({ key, message: `shard ${key} does not match its id (corrupt or tampered)` });
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(entry.value));
    } catch (e) {
      throw new BusDataError({ key, message: `shard ${key} is not JSON: ${(e as Error).message}` });
    }
    const problems = validateConfigShard(value);
    if (problems.length > 0) throw new BusDataError({ key, message: `shard ${key} is malformed: ${problems.join('; ')}` });
    // Frozen: the configs assembled from it share its virtual hosts and backends, and what is
    // computed about them (hashes, checks, compiled routers) is remembered while it is unchanged.
    return deepFreeze(value as ConfigShard);
  }
}
