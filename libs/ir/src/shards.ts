/**
 * Content-addressed sharding of a `GatewayConfig`, for carrying large configs over a bus whose
 * values are size-limited (NATS: 1 MiB per message by default) and for republishing only what an
 * edit touched.
 *
 * How it splits. The config is flattened, in its own order, into a sequence of small items (the
 * gateway head, each port, each listener without its routes, each virtual host header, each HTTP
 * rule, each match entry, each L4 route, each backend). The sequence is cut into shards with
 * content-defined boundaries (the technique of deduplicating backup tools): a cut follows an item
 * when a hash of that item's bytes falls below a threshold proportional to the item's size, so
 * shards average `targetShardBytes`, never hold less than a quarter of it (except the last) and
 * never more than `maxShardBytes` (unless one item alone is larger). Because cuts depend on the
 * items themselves and not on their positions, editing, inserting or removing one route changes
 * the shard holding it (and at most merges it with its neighbour), not the shards after it.
 * Match entries refer to their rule by the rule's id rather than its index whenever ids are unique
 * within the virtual host, so inserting a rule does not ripple through the indexes of the matches
 * that follow.
 *
 * Identity. A shard's id is the first 32 hex digits (128 bits) of the sha256 of its canonical
 * JSON. With a million shards alive the chance of two distinct shards sharing an id is about
 * 1e-27; and `assembleConfig` checks the full 256-bit hash of the assembled config against the
 * manifest, so a collision could never be served silently.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { GatewayConfig, HttpRule, MatchEntry } from './schema.js';

/** Version of the manifest and shard formats below. */
export const SHARDS_API_VERSION = 'portway.dev/ir-shards/v1';

/** Length of a shard id: hex digits of its sha256. */
export const SHARD_ID_LENGTH = 32;

const HexId = Type.String({ pattern: `^[0-9a-f]{${SHARD_ID_LENGTH}}$` });

/** The small value that names a config: which gateway, its full hash, and its shards in assembly order. */
export const ConfigManifestSchema = Type.Object({
  apiVersion: Type.Literal(SHARDS_API_VERSION),
  gateway: Type.Object({ namespace: Type.String(), name: Type.String(), generation: Type.Integer({ minimum: 0 }) }),
  /** `contentHash` of the full config ("sha256:<hex>"). */
  hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
  /** Shard ids, in assembly order. The same id may appear twice (two identical runs of items). */
  shards: Type.Array(HexId),
});

/**
 * One run of flattened config items. Items are tagged by `t`:
 * `head` (the config without ports and backends), `port` (a port without its listeners),
 * `listener` (without `virtualHosts`/`routes`; `c` names which of the two it has), `vhost` (a
 * virtual host without matches and rules), `rule` (an HTTP rule), `match` (a match entry; `rid` is
 * its rule's id, or `m.rule` its index when ids are not unique), `l4` (an L4 route), `backend`
 * (`k` is its key in `backends`).
 */
export const ConfigShardSchema = Type.Object({
  items: Type.Array(Type.Object({ t: Type.String() }, { additionalProperties: true }), { minItems: 1 }),
});

export type ConfigManifest = Static<typeof ConfigManifestSchema>;
/** One flattened config item (see `ConfigShardSchema`). */
export type ConfigShardItem = { t: string; [field: string]: unknown };
export interface ConfigShard {
  items: ConfigShardItem[];
}

const manifestChecker = TypeCompiler.Compile(ConfigManifestSchema);
const shardChecker = TypeCompiler.Compile(ConfigShardSchema);

/** Checks a decoded value against the manifest format; returns the problems (empty: valid). */
export function validateConfigManifest(value: unknown): string[] {
  return manifestChecker.Check(value) ? [] : [...manifestChecker.Errors(value)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
}

/** Checks a decoded value against the shard format; returns the problems (empty: valid). */
export function validateConfigShard(value: unknown): string[] {
  return shardChecker.Check(value) ? [] : [...shardChecker.Errors(value)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
}

export interface ShardOptions {
  /** Average shard size aimed at, in bytes of canonical JSON. Default 32 KiB. */
  targetShardBytes?: number;
  /** Hard cap per shard (a single larger item still gets a shard of its own). Default 4 × target. */
  maxShardBytes?: number;
  /** `contentHash(config)` when the caller has it already (it is the costliest step on large configs). */
  hash?: string;
}

export interface ShardedConfig {
  manifest: ConfigManifest;
  /** Every shard by id (ids that repeat in the manifest appear once here). */
  shards: Map<string, ConfigShard>;
  /** Canonical JSON of each shard, by id: what a bus stores (its sha256 starts with the id). */
  shardBytes: Map<string, string>;
}

/** Raised when shards do not assemble into the config their manifest names. */
export class ShardAssemblyError extends Error {
  override readonly name = 'ShardAssemblyError';
}

/** Id of a shard: the first 32 hex digits of the sha256 of its canonical JSON. */
export function shardId(shard: ConfigShard): string {
  return shardIdOfBytes(canonicalText(shard));
}

/** Id of a shard from its canonical JSON text (what the bus stores), so a reader can verify what it fetched. */
export function shardIdOfBytes(canonical: string | Uint8Array): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, SHARD_ID_LENGTH);
}

type Item = ConfigShardItem;

/** Splits a config into a manifest and content-addressed shards (see the module comment). */
export function shardConfig(config: GatewayConfig, options: ShardOptions = {}): ShardedConfig {
  const target = options.targetShardBytes ?? 32 * 1024;
  const max = options.maxShardBytes ?? 4 * target;
  if (!(target >= 64) || !(max >= target)) throw new RangeError(`shard sizes: target ${target} must be ≥ 64 and max ${max} ≥ target`);
  if (!config || typeof config !== 'object' || !Array.isArray(config.ports) || !config.backends || typeof config.backends !== 'object') {
    throw new TypeError('shardConfig: not a GatewayConfig (ports and backends are required)');
  }
  const min = Math.floor(target / 4);

  const shards = new Map<string, ConfigShard>();
  const shardBytes = new Map<string, string>();
  const order: string[] = [];
  let current: Item[] = [];
  let texts: string[] = [];
  let currentBytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    // Equal to canonicalJson({ items: current }): the items are already canonical.
    const text = `{"items":[${texts.join(',')}]}`;
    const id = shardIdOfBytes(text);
    shards.set(id, { items: current });
    shardBytes.set(id, text);
    order.push(id);
    current = [];
    texts = [];
    currentBytes = 0;
  };
  for (const item of flatten(config)) {
    const text = canonicalText(item);
    const size = Buffer.byteLength(text);
    if (currentBytes > 0 && currentBytes + size > max) flush();
    current.push(item);
    texts.push(text);
    currentBytes += size + 1;
    // A content-defined cut: probability size/target per item, so shards average `target` bytes.
    if (currentBytes >= min && cutAfter(text, size, target)) flush();
  }
  flush();

  const manifest: ConfigManifest = {
    apiVersion: SHARDS_API_VERSION,
    gateway: { namespace: config.gateway.namespace, name: config.gateway.name, generation: config.gateway.generation },
    hash: options.hash ?? fastContentHash(config),
    shards: order,
  };
  return { manifest, shards, shardBytes };
}

/**
 * Rebuilds the config a manifest names from its shards. Returns the ids of the shards
 * `getShard` does not have (nothing is assembled then); throws `ShardAssemblyError` when the
 * shards are malformed or the assembled config's hash differs from the manifest's.
 */
export function assembleConfig(
  manifest: ConfigManifest,
  getShard: (id: string) => ConfigShard | undefined,
): GatewayConfig | { missing: string[] } {
  const shards: ConfigShard[] = [];
  const missing: string[] = [];
  for (const id of manifest.shards) {
    const s = getShard(id);
    if (s) shards.push(s);
    else if (!missing.includes(id)) missing.push(id);
  }
  if (missing.length > 0) return { missing };
  const config = unflatten(shards.flatMap((s) => s.items));
  const hash = fastContentHash(config);
  if (hash !== manifest.hash) {
    throw new ShardAssemblyError(`assembled config of ${manifest.gateway.namespace}/${manifest.gateway.name} has hash ${hash}, manifest says ${manifest.hash}`);
  }
  return config;
}

/** True when `assembleConfig` could not assemble for lack of shards. */
export function isMissingShards(value: GatewayConfig | { missing: string[] }): value is { missing: string[] } {
  return 'missing' in value && Array.isArray((value as { missing: unknown }).missing);
}

/**
 * The same text as `canonicalJson` (keys sorted, then JSON.stringify's own rules: integer-like
 * keys first, undefined dropped, toJSON honoured), faster: one sorted copy, then a single native
 * JSON.stringify, instead of a replacer called for every value. Shards are hashed item by item,
 * where the replacer's per-call cost dominated.
 */
export function canonicalText(value: unknown): string {
  return JSON.stringify(sortedCopy(value)) ?? 'null';
}

/** `contentHash`, computed over `canonicalText` (the same text, faster). */
function fastContentHash(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalText(value)).digest('hex')}`;
}

function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return sortedCopy(withJson.toJSON());
  if (Array.isArray(v)) return v.map(sortedCopy);
  const o = v as Record<string, unknown>;
  // Object.fromEntries, like canonicalJson's replacer: "__proto__" stays an ordinary key.
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortedCopy(o[k])]));
}

function cutAfter(text: string, size: number, target: number): boolean {
  // FNV-1a over the item's text: stable and well spread, and several times cheaper than a
  // cryptographic hash for the tens of thousands of items of a large config.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche, so that similar texts do not give similar low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) < Math.min(1, size / target) * 0x1_0000_0000;
}

function* flatten(config: GatewayConfig): Generator<Item> {
  const { ports, backends, ...head } = config;
  yield { t: 'head', h: head };
  for (const port of ports) {
    const { listeners, ...p } = port;
    yield { t: 'port', p };
    for (const listener of listeners) {
      if ('virtualHosts' in listener) {
        const { virtualHosts, ...l } = listener;
        yield { t: 'listener', c: 'virtualHosts', l };
        for (const vhost of virtualHosts) {
          const { matches, rules, ...v } = vhost;
          const ids = rules.map((r: HttpRule) => r.id);
          const byId = new Set(ids).size === ids.length && matches.every((m) => Number.isInteger(m.rule) && m.rule >= 0 && m.rule < rules.length);
          yield { t: 'vhost', v, byId };
          for (const r of rules) yield { t: 'rule', r };
          for (const m of matches) {
            if (byId) {
              const { rule, ...rest } = m;
              yield { t: 'match', m: rest, rid: ids[rule] };
            } else {
              yield { t: 'match', m };
            }
          }
        }
      } else if ('routes' in listener) {
        const { routes, ...l } = listener;
        yield { t: 'listener', c: 'routes', l };
        for (const r of routes) yield { t: 'l4', r };
      } else {
        yield { t: 'listener', l: listener };
      }
    }
  }
  for (const [k, b] of Object.entries(backends)) yield { t: 'backend', k, b };
}

type Mutable = Record<string, unknown>;

function unflatten(items: Item[]): GatewayConfig {
  let config: (Mutable & { ports: Mutable[]; backends: Mutable }) | undefined;
  let port: { listeners: Mutable[] } | undefined;
  let listener: Mutable | undefined;
  let vhost: { matches: Mutable[]; rules: Mutable[] } | undefined;
  let ruleIndex = new Map<string, number>();
  const fail = (message: string, i: number): never => {
    throw new ShardAssemblyError(`shard item ${i}: ${message}`);
  };
  const obj = (v: unknown, what: string, i: number): Mutable =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Mutable) : fail(`${what} is not an object`, i);
  items.forEach((item, i) => {
    switch (item.t) {
      case 'head':
        if (config) fail('second head item', i);
        config = { ...obj(item.h, 'head', i), ports: [], backends: {} };
        return;
      case 'port':
        if (!config) return fail('port before head', i);
        port = { ...obj(item.p, 'port', i), listeners: [] };
        config.ports.push(port);
        listener = undefined;
        vhost = undefined;
        return;
      case 'listener': {
        if (!port) return fail('listener before any port', i);
        listener = { ...obj(item.l, 'listener', i) };
        if (item.c === 'virtualHosts' || item.c === 'routes') listener[item.c] = [];
        else if (item.c !== undefined) fail(`unknown listener collection ${String(item.c)}`, i);
        port.listeners.push(listener);
        vhost = undefined;
        return;
      }
      case 'vhost': {
        const list = listener?.virtualHosts;
        if (!Array.isArray(list)) return fail('virtual host outside an HTTP listener', i);
        vhost = { ...obj(item.v, 'virtual host', i), matches: [], rules: [] };
        list.push(vhost);
        ruleIndex = new Map();
        return;
      }
      case 'rule': {
        if (!vhost) return fail('rule outside a virtual host', i);
        const r = obj(item.r, 'rule', i);
        ruleIndex.set(r.id as string, vhost.rules.length);
        vhost.rules.push(r);
        return;
      }
      case 'match': {
        if (!vhost) return fail('match outside a virtual host', i);
        const m = obj(item.m, 'match', i);
        if (typeof item.rid === 'string') {
          const rule = ruleIndex.get(item.rid);
          if (rule === undefined) return fail(`match refers to unknown rule "${item.rid}"`, i);
          vhost.matches.push({ ...m, rule } satisfies Partial<MatchEntry> as Mutable);
        } else {
          vhost.matches.push(m);
        }
        return;
      }
      case 'l4': {
        const list = listener?.routes;
        if (!Array.isArray(list)) return fail('L4 route outside a TCP/TLS/UDP listener', i);
        list.push(obj(item.r, 'L4 route', i));
        return;
      }
      case 'backend':
        if (!config) return fail('backend before head', i);
        if (typeof item.k !== 'string') return fail('backend without a key', i);
        // defineProperty: a key such as "__proto__" stays an ordinary entry.
        Object.defineProperty(config.backends, item.k, { value: obj(item.b, 'backend', i), enumerable: true, writable: true, configurable: true });
        return;
      default:
        fail(`unknown item type "${String(item.t)}"`, i);
    }
  });
  if (!config) throw new ShardAssemblyError('no head item: the shards hold no config');
  return config as unknown as GatewayConfig;
}
