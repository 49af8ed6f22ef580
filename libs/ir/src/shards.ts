/**
 * Content-addressed sharding of a `GatewayConfig`, for carrying large configs over a bus whose
 * values are size-limited (NATS: 1 MiB per message by default) and for republishing only what an
 * edit touched.
 *
 * How it splits. The config is flattened, in its own order, into a sequence of items: the gateway
 * head, each port, each listener without its routes, each virtual host, each L4 route, each
 * backend. A virtual host whose canonical JSON is larger than the shard target is itself split
 * into a header, its rules and its match entries; smaller ones travel whole, so that an agent that
 * decodes a shard once gets the very same virtual host objects for as long as the shard is
 * unchanged. The sequence is cut into shards with content-defined boundaries (the technique of
 * deduplicating backup tools): a cut follows an item when a hash of that item's bytes falls below
 * a threshold proportional to the item's size, so shards average `targetShardBytes`, never hold
 * less than a quarter of it (except the last) and never more than `maxShardBytes` (unless one item
 * alone is larger). Because cuts depend on the items themselves and not on their positions,
 * editing, inserting or removing one route changes the shard holding it (and at most merges it
 * with its neighbour), not the shards after it. Match entries of a split virtual host refer to
 * their rule by the rule's id rather than its index whenever ids are unique within the virtual
 * host, so inserting a rule does not ripple through the indexes of the matches that follow.
 *
 * Cost. For frozen parts (see `deepFreeze`) the size and cut hash of their items, and the id of a
 * shard made only of such items, are remembered, so sharding a config that shares most of its
 * virtual hosts and backends with an earlier one serializes and hashes only the shards that
 * changed; `have` skips building the shards a bus already stores.
 *
 * Identity. A shard's id is the first 32 hex digits (128 bits) of the sha256 of its canonical
 * JSON. With a million shards alive the chance of two distinct shards sharing an id is about
 * 1e-27; and `assembleConfig` checks the assembled config's `configHash` against the manifest, so
 * a collision could never be served silently.
 *
 * Pure: no I/O, no clock, no randomness (the caches are keyed by immutable objects and never
 * change a result).
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { deepFreeze, isImmutable } from './freeze.js';
import { canonicalText, configHash } from './hash.js';
import { withUnchangedParts, withVirtualHostsSpliced } from './reuse.js';
import type { Backend, GatewayConfig, HttpRule, MatchEntry, VirtualHost } from './schema.js';

/** Version of the manifest and shard formats below. */
export const SHARDS_API_VERSION = 'portway.dev/ir-shards/v2';

/** Length of a shard id: hex digits of its sha256. */
export const SHARD_ID_LENGTH = 32;

const HexId = Type.String({ pattern: `^[0-9a-f]{${SHARD_ID_LENGTH}}$` });

/** The small value that names a config: which gateway, its hash, and its shards in assembly order. */
export const ConfigManifestSchema = Type.Object({
  apiVersion: Type.Literal(SHARDS_API_VERSION),
  gateway: Type.Object({ namespace: Type.String(), name: Type.String(), generation: Type.Integer({ minimum: 0 }) }),
  /** `configHash` of the full config ("sha256:<hex>"). */
  hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
  /** Shard ids, in assembly order. The same id may appear twice (two identical runs of items). */
  shards: Type.Array(HexId),
});

/**
 * One run of flattened config items. Items are tagged by `t`:
 * `head` (the config without ports and backends), `port` (a port without its listeners),
 * `listener` (without `virtualHosts`/`routes`; `c` names which of the two it has), `vh` (a whole
 * virtual host), `vhost` (the header of a split virtual host: without matches and rules), `rule`
 * (an HTTP rule of a split virtual host), `match` (a match entry of one; `rid` is its rule's id,
 * or `m.rule` its index when ids are not unique), `l4` (an L4 route), `backend` (`k` is its key
 * in `backends`).
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
  /** `configHash(config)` when the caller has it already. */
  hash?: string;
  /**
   * Shards the caller already holds (a bus: stored ones; an agent: those a worker has): they are
   * named in the manifest but not built, and are absent from `shards` and `shardBytes`.
   */
  have?: (id: string) => boolean;
  /**
   * Canonical texts of items made from frozen objects, kept by the caller from one call to the
   * next (filled and read here): a shard rebuilt around an edit then serializes only the parts
   * that changed, not its unchanged neighbours again. Costs the memory of those texts.
   */
  texts?: WeakMap<object, string>;
  /**
   * Only one form of the built shards is wanted: `'items'` fills `shardItems` alone (`shards` and
   * `shardBytes` stay empty), `'bytes'` fills `shardBytes` alone. Default: all three. Building a
   * 10,000-route config, each unwanted form is several megabytes held until the call returns.
   */
  only?: 'items' | 'bytes';
}

export interface ShardedConfig {
  manifest: ConfigManifest;
  /** Every shard by id (ids that repeat in the manifest appear once here), except those `have` holds (and none with `only`). */
  shards: Map<string, ConfigShard>;
  /** Canonical JSON of each shard built, by id: what a bus stores (its sha256 starts with the id). Empty with `only: 'items'`. */
  shardBytes: Map<string, string>;
  /** Canonical JSON of each item of each shard built, by id (`shardTextOf` joins them into the shard's). Empty with `only: 'bytes'`. */
  shardItems: Map<string, string[]>;
}

/** The canonical JSON of a shard from that of its items (see `ShardedConfig.shardItems`). */
export function shardTextOf(itemTexts: readonly string[]): string {
  return `{"items":[${itemTexts.join(',')}]}`;
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

/** What the cutter needs of an item, remembered for items made from frozen parts. */
interface ItemInfo {
  /** Bytes of the item's canonical JSON. */
  readonly size: number;
  /** FNV-1a of that text (the cut decision). */
  readonly fnv: number;
}

/** An item of the flattened sequence: how to build it, and its text when already computed. */
interface Pending {
  /**
   * Identity of the item's content when it is made from a frozen object: the remembered info
   * itself (one per object, kind of item and parameters), so equal tokens mean equal items.
   */
  readonly token: ItemInfo | undefined;
  readonly info: ItemInfo;
  text: string | undefined;
  readonly build: () => Item;
}

// Remembered per frozen object. Each map is one kind of item made from that object.
const wholeVhostInfo = new WeakMap<object, ItemInfo>();
const vhostHeadInfo = new WeakMap<object, ItemInfo & { readonly byId: boolean }>();
const ruleInfo = new WeakMap<object, ItemInfo>();
const matchInfo = new WeakMap<object, ItemInfo & { readonly rid: string | undefined }>();
const backendInfo = new WeakMap<object, ItemInfo & { readonly key: string }>();
/** Ids of shards made only of items from frozen objects, by the token of their first item. */
const shardIds = new WeakMap<object, { tokens: readonly object[]; id: string }[]>();

/** Splits a config into a manifest and content-addressed shards (see the module comment). */
export function shardConfig(config: GatewayConfig, options: ShardOptions = {}): ShardedConfig {
  const target = options.targetShardBytes ?? 32 * 1024;
  const max = options.maxShardBytes ?? 4 * target;
  if (!(target >= 64) || !(max >= target)) throw new RangeError(`shard sizes: target ${target} must be ≥ 64 and max ${max} ≥ target`);
  if (!config || typeof config !== 'object' || !Array.isArray(config.ports) || !config.backends || typeof config.backends !== 'object') {
    throw new TypeError('shardConfig: not a GatewayConfig (ports and backends are required)');
  }
  const min = Math.floor(target / 4);
  const have = options.have;

  const shards = new Map<string, ConfigShard>();
  const shardBytes = new Map<string, string>();
  const shardItems = new Map<string, string[]>();
  const only = options.only;
  /** Ids of the shards built so far (an id that repeats is built once). */
  const built = new Set<string>();
  const order: string[] = [];
  let current: Pending[] = [];
  let currentBytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    const run = current;
    current = [];
    currentBytes = 0;
    const tokens = run.every((p) => p.token !== undefined) ? run.map((p) => p.token!) : undefined;
    let id = tokens ? knownShardId(tokens) : undefined;
    let texts: string[] | undefined;
    let text: string | undefined;
    if (id === undefined) {
      // Equal to canonicalText({ items }): each item's text is already canonical.
      texts = run.map((p) => textOf(p, options.texts));
      text = shardTextOf(texts);
      id = shardIdOfBytes(text);
      if (tokens) rememberShardId(tokens, id);
    }
    order.push(id);
    if (built.has(id) || have?.(id)) return;
    built.add(id);
    texts ??= run.map((p) => textOf(p, options.texts));
    if (only === undefined) shards.set(id, { items: run.map((p) => p.build()) });
    if (only !== 'items') shardBytes.set(id, text ?? shardTextOf(texts));
    if (only !== 'bytes') shardItems.set(id, texts);
  };
  for (const p of flatten(config, target)) {
    const size = p.info.size;
    if (currentBytes > 0 && currentBytes + size > max) flush();
    current.push(p);
    currentBytes += size + 1;
    // A content-defined cut: probability size/target per item, so shards average `target` bytes.
    if (currentBytes >= min && cutAfter(p.info, target)) flush();
  }
  flush();

  const manifest: ConfigManifest = {
    apiVersion: SHARDS_API_VERSION,
    gateway: { namespace: config.gateway.namespace, name: config.gateway.name, generation: config.gateway.generation },
    hash: options.hash ?? configHash(config),
    shards: order,
  };
  return { manifest, shards, shardBytes, shardItems };
}

function textOf(p: Pending, remembered: WeakMap<object, string> | undefined): string {
  if (p.text === undefined && p.token !== undefined) p.text = remembered?.get(p.token);
  p.text ??= canonicalText(p.build());
  if (p.token !== undefined) remembered?.set(p.token, p.text);
  return p.text;
}

function knownShardId(tokens: readonly object[]): string | undefined {
  for (const e of shardIds.get(tokens[0]!) ?? []) {
    if (e.tokens.length === tokens.length && e.tokens.every((s, i) => s === tokens[i])) return e.id;
  }
  return undefined;
}

function rememberShardId(tokens: readonly object[], id: string): void {
  const list = shardIds.get(tokens[0]!) ?? [];
  // A handful per first item is plenty (shards starting at the same place, cut differently).
  if (list.length >= 4) list.shift();
  list.push({ tokens, id });
  shardIds.set(tokens[0]!, list);
}

/**
 * Rebuilds the config a manifest names from its shards. Returns the ids of the shards
 * `getShard` does not have (nothing is assembled then); throws `ShardAssemblyError` when the
 * shards are malformed or the assembled config's `configHash` differs from the manifest's.
 * Whole virtual hosts and backends are taken from the shards as they are (not copied): an agent
 * that keeps its decoded shards gets the same objects for the parts that did not change, and with
 * `previous`, the same listeners, ports and backends table too.
 */
export function assembleConfig(
  manifest: ConfigManifest,
  getShard: (id: string) => ConfigShard | undefined,
  /**
   * The config last assembled for this gateway (deeply frozen): its parts made of the same objects
   * are kept (see `withUnchangedParts`), and the config returned is deeply frozen too.
   */
  previous?: GatewayConfig,
  /**
   * The manifest `previous` was assembled from. When the two manifests differ only in a run of
   * shards made of whole virtual hosts of one listener, and `getShard` still has the old run,
   * the config is `previous` with that run of virtual hosts replaced: no pass over the others.
   */
  previousManifest?: ConfigManifest,
): GatewayConfig | { missing: string[] } {
  const shards: ConfigShard[] = [];
  const missing: string[] = [];
  for (const id of manifest.shards) {
    const s = getShard(id);
    if (s) shards.push(s);
    else if (!missing.includes(id)) missing.push(id);
  }
  if (missing.length > 0) return { missing };
  const edited = previous !== undefined && previousManifest !== undefined ? splicedEdit(previousManifest, previous, manifest, getShard) : undefined;
  if (edited !== undefined) {
    const hash = configHash(edited);
    if (hash === manifest.hash) return edited;
    // Not what the manifest names after all (two runs of equal virtual hosts, say): assemble in full.
  }
  // Before hashing: a kept listener's hash is remembered, so only changed listeners are hashed;
  // with a previous config, frozen first, so that what is learnt while hashing is remembered.
  const merged = withUnchangedParts(unflatten(shards), previous);
  const config = previous !== undefined ? deepFreeze(merged) : merged;
  const hash = configHash(config);
  if (hash !== manifest.hash) {
    throw new ShardAssemblyError(`assembled config of ${manifest.gateway.namespace}/${manifest.gateway.name} has hash ${hash}, manifest says ${manifest.hash}`);
  }
  return config;
}

/**
 * `previous` with the virtual hosts of the shards that differ between the two manifests
 * replaced, when those shards (old and new) hold only whole virtual hosts and the old ones are
 * found, in a row and once only, in one listener of `previous`; else undefined.
 */
function splicedEdit(
  before: ConfigManifest,
  previous: GatewayConfig,
  manifest: ConfigManifest,
  getShard: (id: string) => ConfigShard | undefined,
): GatewayConfig | undefined {
  const p = before.shards;
  const n = manifest.shards;
  let a = 0;
  while (a < p.length && a < n.length && p[a] === n[a]) a++;
  let b = 0;
  while (b < p.length - a && b < n.length - a && p[p.length - 1 - b] === n[n.length - 1 - b]) b++;
  const removed = wholeVirtualHosts(p.slice(a, p.length - b), getShard);
  const added = wholeVirtualHosts(n.slice(a, n.length - b), getShard);
  if (removed === undefined || added === undefined || removed.length === 0) return undefined;
  const first = removed[0]!;
  let at: { port: number; listener: number; start: number } | undefined;
  for (let pi = 0; pi < previous.ports.length; pi++) {
    const listeners = previous.ports[pi]!.listeners;
    for (let li = 0; li < listeners.length; li++) {
      const l = listeners[li]!;
      if (!('virtualHosts' in l)) continue;
      const start = l.virtualHosts.indexOf(first);
      if (start < 0) continue;
      if (at !== undefined || l.virtualHosts.lastIndexOf(first) !== start) return undefined;
      for (let k = 1; k < removed.length; k++) if (l.virtualHosts[start + k] !== removed[k]) return undefined;
      at = { port: pi, listener: li, start };
    }
  }
  if (at === undefined) return undefined;
  return withVirtualHostsSpliced(previous, at.port, at.listener, at.start, removed.length, added);
}

/** The virtual hosts of shards made only of whole virtual hosts, in order; undefined for any other shard. */
function wholeVirtualHosts(ids: readonly string[], getShard: (id: string) => ConfigShard | undefined): VirtualHost[] | undefined {
  const out: VirtualHost[] = [];
  for (const id of ids) {
    const shard = getShard(id);
    if (shard === undefined) return undefined;
    for (const item of shard.items) {
      if (item.t !== 'vh' || item.v === null || typeof item.v !== 'object' || Array.isArray(item.v)) return undefined;
      out.push(item.v as VirtualHost);
    }
  }
  return out;
}

/** True when `assembleConfig` could not assemble for lack of shards. */
export function isMissingShards(value: GatewayConfig | { missing: string[] }): value is { missing: string[] } {
  return 'missing' in value && Array.isArray((value as { missing: unknown }).missing);
}

/** FNV-1a over a text, with a final avalanche so that similar texts do not give similar low bits. */
function fnv1a(text: string): number {
  // Stable and well spread, and several times cheaper than a cryptographic hash for the tens of
  // thousands of items of a large config.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function cutAfter(info: ItemInfo, target: number): boolean {
  return info.fnv < Math.min(1, info.size / target) * 0x1_0000_0000;
}

function infoOf(text: string): ItemInfo {
  return { size: Buffer.byteLength(text), fnv: fnv1a(text) };
}

/** An item with no frozen object behind it: built and serialized now. */
function fresh(item: Item): Pending {
  const text = canonicalText(item);
  return { token: undefined, info: infoOf(text), text, build: () => item };
}

/**
 * An item made from the frozen object `source` (or from a mutable one: then nothing is
 * remembered). `cache` holds its info; `check` tells whether a remembered info fits (the item
 * also depends on something besides `source`).
 */
function derived<I extends ItemInfo>(
  source: object,
  cache: WeakMap<object, I>,
  build: () => Item,
  extra: (info: ItemInfo) => I,
  check: (info: I) => boolean = () => true,
): Pending {
  const keep = isImmutable(source);
  const known = keep ? cache.get(source) : undefined;
  if (known !== undefined && check(known)) return { token: known, info: known, text: undefined, build };
  const item = build();
  const text = canonicalText(item);
  const info = extra(infoOf(text));
  if (keep) cache.set(source, info);
  return { token: keep ? info : undefined, info, text, build: () => item };
}

function* flatten(config: GatewayConfig, target: number): Generator<Pending> {
  const { ports, backends, ...head } = config;
  yield fresh({ t: 'head', h: head });
  for (const port of ports) {
    const { listeners, ...p } = port;
    yield fresh({ t: 'port', p });
    for (const listener of listeners) {
      if ('virtualHosts' in listener) {
        const { virtualHosts, ...l } = listener;
        yield fresh({ t: 'listener', c: 'virtualHosts', l });
        for (const vhost of virtualHosts) yield* vhostItems(vhost, target);
      } else if ('routes' in listener) {
        const { routes, ...l } = listener;
        yield fresh({ t: 'listener', c: 'routes', l });
        for (const r of routes) yield fresh({ t: 'l4', r });
      } else {
        yield fresh({ t: 'listener', l: listener });
      }
    }
  }
  for (const [k, b] of Object.entries(backends)) {
    yield derived(b as Backend, backendInfo, () => ({ t: 'backend', k, b }), (i) => ({ ...i, key: k }), (i) => i.key === k);
  }
}

/** A virtual host whole when it is no larger than the shard target, else split into its parts. */
function* vhostItems(vhost: VirtualHost, target: number): Generator<Pending> {
  const whole = derived(vhost, wholeVhostInfo, () => ({ t: 'vh', v: vhost }), (i) => i);
  if (whole.info.size <= target) {
    yield whole;
    return;
  }
  const { matches, rules, ...v } = vhost;
  const ids = rules.map((r: HttpRule) => r.id);
  const byId = new Set(ids).size === ids.length && matches.every((m) => Number.isInteger(m.rule) && m.rule >= 0 && m.rule < rules.length);
  yield derived(vhost, vhostHeadInfo, () => ({ t: 'vhost', v, byId }), (i) => ({ ...i, byId }));
  for (const r of rules) yield derived(r, ruleInfo, () => ({ t: 'rule', r }), (i) => i);
  for (const m of matches) {
    if (byId) {
      const rid = ids[m.rule]!;
      yield derived(
        m,
        matchInfo,
        () => {
          const { rule: _rule, ...rest } = m;
          return { t: 'match', m: rest, rid };
        },
        (i) => ({ ...i, rid }),
        (i) => i.rid === rid,
      );
    } else {
      yield derived(m, matchInfo, () => ({ t: 'match', m }), (i) => ({ ...i, rid: undefined }), (i) => i.rid === undefined);
    }
  }
}

type Mutable = Record<string, unknown>;

function unflatten(shards: readonly ConfigShard[]): GatewayConfig {
  let config: (Mutable & { ports: Mutable[]; backends: Mutable }) | undefined;
  let port: { listeners: Mutable[] } | undefined;
  let listener: Mutable | undefined;
  let vhost: { matches: Mutable[]; rules: Mutable[] } | undefined;
  let ruleIndex = new Map<string, number>();
  let i = -1;
  const fail = (message: string): never => {
    throw new ShardAssemblyError(`shard item ${i}: ${message}`);
  };
  const obj = (v: unknown, what: string): Mutable => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Mutable) : fail(`${what} is not an object`));
  for (const shard of shards) {
    for (const item of shard.items) {
      i++;
      switch (item.t) {
        case 'head':
          if (config) fail('second head item');
          config = { ...obj(item.h, 'head'), ports: [], backends: {} };
          break;
        case 'port':
          if (!config) return fail('port before head');
          port = { ...obj(item.p, 'port'), listeners: [] };
          config.ports.push(port);
          listener = undefined;
          vhost = undefined;
          break;
        case 'listener': {
          if (!port) return fail('listener before any port');
          listener = { ...obj(item.l, 'listener') };
          if (item.c === 'virtualHosts' || item.c === 'routes') listener[item.c] = [];
          else if (item.c !== undefined) fail(`unknown listener collection ${String(item.c)}`);
          port.listeners.push(listener);
          vhost = undefined;
          break;
        }
        case 'vh': {
          const list = listener?.virtualHosts;
          if (!Array.isArray(list)) return fail('virtual host outside an HTTP listener');
          list.push(obj(item.v, 'virtual host'));
          vhost = undefined;
          break;
        }
        case 'vhost': {
          const list = listener?.virtualHosts;
          if (!Array.isArray(list)) return fail('virtual host outside an HTTP listener');
          vhost = { ...obj(item.v, 'virtual host'), matches: [], rules: [] };
          list.push(vhost);
          ruleIndex = new Map();
          break;
        }
        case 'rule': {
          if (!vhost) return fail('rule outside a virtual host');
          const r = obj(item.r, 'rule');
          ruleIndex.set(r.id as string, vhost.rules.length);
          vhost.rules.push(r);
          break;
        }
        case 'match': {
          if (!vhost) return fail('match outside a virtual host');
          const m = obj(item.m, 'match');
          if (typeof item.rid === 'string') {
            const rule = ruleIndex.get(item.rid);
            if (rule === undefined) return fail(`match refers to unknown rule "${item.rid}"`);
            vhost.matches.push({ ...m, rule } satisfies Partial<MatchEntry> as Mutable);
          } else {
            vhost.matches.push(m);
          }
          break;
        }
        case 'l4': {
          const list = listener?.routes;
          if (!Array.isArray(list)) return fail('L4 route outside a TCP/TLS/UDP listener');
          list.push(obj(item.r, 'L4 route'));
          break;
        }
        case 'backend':
          if (!config) return fail('backend before head');
          if (typeof item.k !== 'string') return fail('backend without a key');
          // defineProperty: a key such as "__proto__" stays an ordinary entry.
          Object.defineProperty(config.backends, item.k, { value: obj(item.b, 'backend'), enumerable: true, writable: true, configurable: true });
          break;
        default:
          fail(`unknown item type "${String(item.t)}"`);
      }
    }
  }
  if (!config) throw new ShardAssemblyError('no head item: the shards hold no config');
  return config as unknown as GatewayConfig;
}
