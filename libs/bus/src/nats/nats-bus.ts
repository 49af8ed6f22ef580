/**
 * The bus over NATS JetStream: configs as content-addressed shards under small manifests in the
 * `portway-config` KV bucket, endpoint reports in `portway-endpoints`, acks and heartbeats on core
 * NATS subjects. See README.md for the layout, the guarantees and the permissions.
 */
import { jetstream, JetStreamApiCodes, JetStreamApiError, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { assembleConfig, configHash, isMissingShards, shardConfig, type ConfigManifest, type GatewayConfig, type ShardOptions } from '@portway/ir';
import type { Ack, Bus, ConfigEntry, ConfigKey, ConfigPin, ConfigPinStore, EndpointReport, Heartbeat, Unsubscribe, WatchConfigsOptions } from '../types.js';
import { ConfigWatcher, type ConfigChangeHandler } from './config-watcher.js';
import { connectNats, watchStatus, type NatsConnectOptions } from './connection.js';
import { BusDataError, BusOperationError, errorMessage, NatsConnectError } from './errors.js';
import {
  ACK_SUBJECT,
  ackSubject,
  CONFIG_BUCKET,
  CONFIG_STREAM,
  ENDPOINTS_BUCKET,
  endpointsKey,
  HEARTBEAT_SUBJECT,
  heartbeatSubject,
  manifestFilter,
  manifestKey,
  parseAgentSubject,
  parseEndpointsKey,
  parseManifestKey,
  parseShardKey,
  pinFilter,
  pinKey,
  shardFilter,
  shardKey,
  type EndpointKey,
} from './keys.js';
import { monitorDomainLink, type DomainLinkMonitor } from './domain-link-monitor.js';
import { followKv, type KvFollower } from './kv-follower.js';
import { decodeAck, decodeConfigPin, decodeEndpointReport, decodeHeartbeat, decodeManifest } from './messages.js';
import { ShardReader } from './shard-reader.js';

export interface NatsBusOptions extends NatsConnectOptions {
  /**
   * Create the buckets when they are missing, and raise the config bucket's history to `history`
   * (the controller). Without it the bus only opens them, which is all an agent's permissions allow.
   */
  manageBuckets?: boolean;
  /** Manifest revisions kept per gateway in the config bucket. At least 10 (the default). */
  history?: number;
  /** How configs are cut into shards (see `shardConfig` of @portway/ir). */
  shardOptions?: Omit<ShardOptions, 'hash'>;
  /**
   * Shard garbage collection runs in the background after this many changed puts and deletes in
   * a cluster (default 10), once the cluster has had no change for `gcQuietMs`, or at the latest
   * after ten times as many changes. 0: only when `collectGarbage` is called.
   */
  gcEvery?: number;
  /** Quiet time before a due garbage collection runs (default 200 ms): a collection holds up the puts queued behind it. */
  gcQuietMs?: number;
  /** Shards purged by one garbage collection at most (default 32); more are left for the next, due at the next change. */
  gcMaxPurges?: number;
  /** Errors that have no caller to reject: undecodable values, handler exceptions, watch restarts. */
  onError?: (error: unknown) => void;
  /** Timeout of JetStream requests (ms). Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * JetStream domain that holds the buckets, when it is not the server's own: an agent connected
   * to its spoke's leafnode server reaches the hub's buckets through the hub's domain (see
   * `leafnode-config.ts`). Unset: the JetStream of the connected server's account.
   */
  jetstreamDomain?: string;
}

/** Counters of what the bus wrote and read (tests, metrics). */
export interface NatsBusStats {
  /** Every put to the config bucket (shards + manifests). */
  kvPuts: number;
  shardPuts: number;
  manifestPuts: number;
  manifestDeletes: number;
  shardsPurged: number;
  /** Shards fetched from the bus by watchers, `listConfigs` and `configAt`. */
  shardsFetched: number;
}

/** One stored revision of a gateway's manifest. */
export interface ConfigRevision {
  revision: number;
  manifest: ConfigManifest;
  created: Date;
}


const MIN_HISTORY = 10;

/**
 * `Bus` over NATS JetStream. Create it with `NatsBus.connect` (or the effect layer `NatsBusLive`).
 *
 * Shards of a manifest revision are kept as long as that revision is in the bucket's history
 * (`history` revisions per gateway), so `configAt` can rebuild any revision `configHistory` lists.
 * One controller writes at a time (leader election); concurrent writers are detected (optimistic
 * concurrency on the manifest key) but the shard garbage collector assumes one writer.
 */
export class NatsBus implements Bus, ConfigPinStore {
  private closed = false;
  private readonly followers = new Set<KvFollower>();
  /** Revision and hash of the manifest this bus last wrote, by manifest key. */
  private readonly lastManifests = new Map<string, { revision: number; hash: string }>();
  /** Rollback holds as followed since the first `listPins` (see there). */
  private pinCache: PinCache | undefined;
  private readonly watchers = new Set<ConfigWatcher>();
  private readonly subscriptions = new Set<Subscription>();
  /** Writes (puts, deletes, garbage collection) run one at a time. */
  private writeChain: Promise<unknown> = Promise.resolve();
  /** Shard ids known to be stored, per cluster (loaded on the first put of a cluster). */
  private readonly storedShards = new Map<string, Set<string>>();
  private readonly changesSinceGc = new Map<string, number>();
  /** Due garbage collections waiting for a quiet moment, per cluster. */
  private readonly gcTimers = new Map<string, NodeJS.Timeout>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly readers: ShardReader[] = [];
  /** With `jetstreamDomain`: recreates the watches when the domain answers again (see domain-link-monitor.ts). */
  private domainLink: DomainLinkMonitor | undefined;
  private readonly counters = { kvPuts: 0, shardPuts: 0, manifestPuts: 0, manifestDeletes: 0, shardsPurged: 0 };
  private readonly onError: (error: unknown) => void;
  /** False between a disconnect and the next reconnect; `reconnected` resolves at the reconnect. */
  private connected = true;
  private reconnected: Promise<void> = Promise.resolve();
  private markReconnected: () => void = () => undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager | undefined,
    private readonly configKv: KV,
    private readonly endpointsKv: KV,
    private readonly options: NatsBusOptions,
  ) {
    this.onError = options.onError ?? ((e) => console.error('nats bus:', errorMessage(e)));
    watchStatus(
      nc,
      (status) => {
        if (status.type === 'disconnect' && this.connected) {
          this.connected = false;
          this.reconnected = new Promise((resolve) => (this.markReconnected = resolve));
        }
        options.onStatus?.(status);
      },
      () => {
        this.connected = true;
        this.markReconnected();
        this.followers.forEach((f) => f.resume());
      },
    );
  }

  /** Connects, and creates (controller) or opens (agent) the buckets. Rejects with `NatsConnectError`. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const history = options.history ?? MIN_HISTORY;
    if (!Number.isInteger(history) || history < MIN_HISTORY || history > 64) {
      throw new NatsConnectError({ servers: [options.servers].flat(), message: `history must be an integer from ${MIN_HISTORY} to 64 (got ${history})` });
    }
    const nc = await connectNats(options);
    const manage = options.manageBuckets ?? false;
    try {
      const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 10_000, checkAPI: manage, ...(options.jetstreamDomain ? { domain: options.jetstreamDomain } : {}) });
      const kvm = new Kvm(js);
      let configKv: KV;
      let endpointsKv: KV;
      let jsm: JetStreamManager | undefined;
      if (manage) {
        jsm = await js.jetstreamManager();
        configKv = await kvm.create(CONFIG_BUCKET, { history, storage: StorageType.File, description: 'Portway gateway configs: manifests and shards' });
        const info = await jsm.streams.info(CONFIG_STREAM);
        if (info.config.max_msgs_per_subject < history) await jsm.streams.update(CONFIG_STREAM, { max_msgs_per_subject: history });
        endpointsKv = await kvm.create(ENDPOINTS_BUCKET, { history: 1, storage: StorageType.File, description: 'Portway endpoint reports of agents' });
      } else {
        configKv = await kvm.open(CONFIG_BUCKET, { allow_direct: true });
        endpointsKv = await kvm.open(ENDPOINTS_BUCKET, { allow_direct: true });
      }
      return new NatsBus(nc, js, jsm, configKv, endpointsKv, options);
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw new NatsConnectError({ servers: [options.servers].flat(), message: `cannot set up the Portway buckets: ${errorMessage(e)}`, cause: e });
    }
  }

  // ───────────────────────────── configs (controller side) ─────────────────────────────

  async putConfig(key: ConfigKey, config: GatewayConfig): Promise<ConfigEntry & { changed: boolean }> {
    this.assertOpen('putConfig');
    const mk = manifestKey(key);
    return this.write(`putConfig ${mk}`, async () => {
      const hash = configHash(config);
      for (let attempt = 1; ; attempt++) {
        // The revision the put expects. When this bus wrote the key last and the hash differs, its
        // own record will do (the put fails if anyone wrote the key since; the next attempt reads it).
        const mine = this.lastManifests.get(mk);
        let previousSeq: number;
        if (attempt === 1 && mine !== undefined && mine.hash !== hash) {
          previousSeq = mine.revision;
        } else {
          const current = await this.configKv.get(mk);
          if (current?.operation === 'PUT') {
            const stored = decodeManifest(current.value);
            if (stored.ok && stored.value.hash === hash) return { key: { ...key }, revision: current.revision, hash, config, changed: false };
          }
          previousSeq = current?.revision ?? 0;
        }
        const stored = await this.storedShardIds(key.cluster);
        // Only the shards the bucket lacks are built (and, for frozen configs, only those serialized).
        const { manifest, shardBytes } = shardConfig(config, { ...this.options.shardOptions, hash, have: (id) => stored.has(id) });
        const manifestText = JSON.stringify(manifest);
        this.checkSize(mk, manifestText);
        const toWrite = [...shardBytes.keys()];
        for (const id of toWrite) this.checkSize(shardKey(key.cluster, id), shardBytes.get(id)!);
        // Shards first, the manifest last: a reader never sees a manifest before its shards exist.
        await runLimited(toWrite, 16, async (id) => {
          await this.configKv.put(shardKey(key.cluster, id), shardBytes.get(id)!);
          stored.add(id);
          this.counters.kvPuts++;
          this.counters.shardPuts++;
        });
        try {
          // Optimistic concurrency: fails if another writer changed the key since we read it.
          const revision = await this.configKv.put(mk, manifestText, { previousSeq });
          this.lastManifests.set(mk, { revision, hash });
          this.counters.kvPuts++;
          this.counters.manifestPuts++;
          this.noteChange(key.cluster);
          return { key: { ...key }, revision, hash, config, changed: true };
        } catch (e) {
          if (attempt < 3 && isWrongLastSequence(e)) continue;
          throw e;
        }
      }
    });
  }

  async deleteConfig(key: ConfigKey): Promise<void> {
    this.assertOpen('deleteConfig');
    const mk = manifestKey(key);
    await this.write(`deleteConfig ${mk}`, async () => {
      const current = await this.configKv.get(mk);
      if (current?.operation !== 'PUT') return;
      await this.configKv.delete(mk);
      this.lastManifests.delete(mk);
      this.counters.manifestDeletes++;
      this.noteChange(key.cluster);
    });
  }

  async listConfigs(cluster?: string): Promise<ConfigEntry[]> {
    this.assertOpen('listConfigs');
    const reader = this.reader();
    try {
      await this.whenConnected('listConfigs');
      const keys = await collect(await this.configKv.keys(manifestFilter(cluster)));
      const entries: ConfigEntry[] = [];
      for (const k of keys.sort()) {
        const key = parseManifestKey(k);
        const entry = key && (await this.configKv.get(k));
        if (!key || entry?.operation !== 'PUT') continue;
        try {
          entries.push(await this.assemble(reader, key, entry.revision, entry.value));
        } catch (e) {
          this.onError(e);
        }
      }
      return entries;
    } catch (e) {
      throw operationError('listConfigs', manifestFilter(cluster), e);
    } finally {
      reader.retain(new Set());
    }
  }

  /** Keys of the current configs (of one cluster, or of all) without reading them: manifest keys only. */
  async configKeys(cluster?: string): Promise<ConfigKey[]> {
    this.assertOpen('configKeys');
    try {
      await this.whenConnected('configKeys');
      const keys = await collect(await this.configKv.keys(manifestFilter(cluster)));
      return keys
        .sort()
        .map(parseManifestKey)
        .filter((k): k is ConfigKey => k !== undefined);
    } catch (e) {
      throw operationError('configKeys', manifestFilter(cluster), e);
    }
  }

  /** Stored revisions of a gateway's manifest, oldest first (deletions left out). */
  async configHistory(key: ConfigKey): Promise<ConfigRevision[]> {
    this.assertOpen('configHistory');
    const mk = manifestKey(key);
    try {
      await this.whenConnected('configHistory');
      const entries = await collect(await this.configKv.history({ key: mk }));
      const out: ConfigRevision[] = [];
      for (const e of entries) {
        if (e.operation !== 'PUT') continue;
        const decoded = decodeManifest(e.value);
        if (decoded.ok) out.push({ revision: e.revision, manifest: decoded.value, created: e.created });
        else this.onError(new BusDataError({ key: mk, message: `revision ${e.revision}: ${decoded.error}` }));
      }
      return out.sort((a, b) => a.revision - b.revision);
    } catch (e) {
      throw operationError('configHistory', mk, e);
    }
  }

  /** The config of one stored revision (from `configHistory`), rebuilt from its shards. */
  async configAt(key: ConfigKey, revision: number): Promise<GatewayConfig> {
    this.assertOpen('configAt');
    const mk = manifestKey(key);
    await this.whenConnected('configAt');
    const entry = await this.configKv.get(mk, { revision }).catch((e: unknown) => {
      throw operationError('configAt', mk, e);
    });
    if (!entry) throw new BusOperationError({ operation: 'configAt', key: mk, message: `${mk} has no revision ${revision} (never, or no longer in the history)` });
    if (entry.operation !== 'PUT') throw new BusOperationError({ operation: 'configAt', key: mk, message: `revision ${revision} of ${mk} is a deletion` });
    const reader = this.reader();
    try {
      return (await this.assemble(reader, key, revision, entry.value)).config;
    } finally {
      reader.retain(new Set());
    }
  }

  /**
   * Purges the shards of `cluster` that no manifest revision in the history refers to. Runs by
   * itself after `gcEvery` changes and a quiet moment; safe at any time (writes wait for it).
   */
  async collectGarbage(cluster: string): Promise<{ purged: number; kept: number }> {
    this.assertOpen('collectGarbage');
    const jsm = this.jsm;
    if (!jsm) throw new BusOperationError({ operation: 'collectGarbage', message: 'only a bus with manageBuckets may collect garbage' });
    return this.write(`collectGarbage ${cluster}`, async () => {
      this.changesSinceGc.set(cluster, 0);
      const referenced = new Set<string>();
      for (const e of await collect(await this.configKv.history({ key: manifestFilter(cluster) }))) {
        if (e.operation !== 'PUT') continue;
        const decoded = decodeManifest(e.value);
        // An undecodable manifest leaves us not knowing its shards: collect nothing this time.
        if (!decoded.ok) return { purged: 0, kept: -1 };
        for (const id of decoded.value.shards) referenced.add(id);
      }
      // The shards stored are known since the first put of the cluster (one writer of shards).
      const stored = await this.storedShardIds(cluster);
      const stale = [...stored].filter((id) => !referenced.has(id));
      // A bounded number per run: the puts queued behind it wait. The rest go in the next runs.
      const max = this.options.gcMaxPurges ?? 32;
      if (stale.length > max) {
        stale.length = max;
        this.changesSinceGc.set(cluster, Math.max(0, (this.options.gcEvery ?? 10) - 1));
      }
      await runLimited(stale, 16, async (id) => {
        // A stream purge by subject leaves no marker behind (a KV purge would).
        await jsm.streams.purge(CONFIG_STREAM, { filter: `$KV.${CONFIG_BUCKET}.${shardKey(cluster, id)}` });
        stored.delete(id);
        this.counters.shardsPurged++;
      });
      return { purged: stale.length, kept: stored.size };
    });
  }

  // ───────────────────────────── rollback holds ─────────────────────────────

  /** Stores a rollback hold (`<cluster>.pin.<namespace>.<name>`; agents do not watch these keys). */
  async putPin(pin: ConfigPin): Promise<void> {
    this.assertOpen('putPin');
    const k = pinKey(pin.key);
    await this.write(`putPin ${k}`, async () => {
      await this.configKv.put(k, JSON.stringify(pin));
      this.pinCache?.wrote(k, pin);
    });
  }

  async deletePin(key: ConfigKey): Promise<void> {
    this.assertOpen('deletePin');
    const k = pinKey(key);
    await this.write(`deletePin ${k}`, async () => {
      const current = await this.configKv.get(k);
      if (current?.operation !== 'PUT') return;
      await this.configKv.delete(k);
      this.pinCache?.wrote(k, null);
    });
  }

  /**
   * The rollback holds (of one cluster, or all), by key. The first call reads them from the
   * bucket and starts following their keys; once the follower has caught up, calls answer from
   * what it delivered (a controller asks before every build: a listing costs a consumer and a
   * read per key, several milliseconds). Holds this bus puts or deletes count at once; holds
   * written by another process count once the follower delivers them (a millisecond or so).
   */
  async listPins(cluster?: string): Promise<ConfigPin[]> {
    this.assertOpen('listPins');
    const followed = this.followPins();
    if (followed.synced) {
      // Sorted by key, as the listing below is.
      const pins = [...followed.pins.keys()].sort().map((k) => followed.pins.get(k)!);
      return cluster === undefined ? pins : pins.filter((pin) => pin.key.cluster === cluster);
    }
    try {
      await this.whenConnected('listPins');
      const out: ConfigPin[] = [];
      for (const k of (await collect(await this.configKv.keys(pinFilter(cluster)))).sort()) {
        const entry = await this.configKv.get(k);
        if (entry?.operation !== 'PUT') continue;
        const decoded = decodeConfigPin(entry.value);
        if (decoded.ok && pinKey(decoded.value.key) === k) out.push(decoded.value);
        else this.onError(new BusDataError({ key: k, message: `rollback hold refused: ${decoded.ok ? 'its key does not match' : decoded.error}` }));
      }
      return out;
    } catch (e) {
      throw operationError('listPins', pinFilter(cluster), e);
    }
  }

  private followPins(): PinCache {
    if (this.pinCache) return this.pinCache;
    const cache = new PinCache();
    this.pinCache = cache;
    const follower = followKv({
      js: this.js,
      bucket: CONFIG_BUCKET,
      filter: pinFilter(),
      onChange: (c) => {
        if (c.operation !== 'PUT') return cache.delivered(c.key, null);
        const decoded = decodeConfigPin(c.value);
        if (decoded.ok && pinKey(decoded.value.key) === c.key) return cache.delivered(c.key, decoded.value);
        this.onError(new BusDataError({ key: c.key, message: `rollback hold refused: ${decoded.ok ? 'its key does not match' : decoded.error}` }));
        cache.delivered(c.key, null);
      },
      onSynced: () => {
        cache.synced = true;
      },
      onError: (e) => this.onError(operationError('listPins', pinFilter(), e)),
    });
    this.followers.add(follower);
    return cache;
  }

  // ───────────────────────────── acks and heartbeats ─────────────────────────────

  onAck(handler: (ack: Ack) => void): Unsubscribe {
    return this.subscribe(ACK_SUBJECT, decodeAck, handler);
  }

  onHeartbeat(handler: (hb: Heartbeat) => void): Unsubscribe {
    return this.subscribe(HEARTBEAT_SUBJECT, decodeHeartbeat, handler);
  }

  async publishAck(ack: Ack): Promise<void> {
    this.publish('publishAck', ackSubject(ack.cluster, ack.agent), ack);
  }

  async publishHeartbeat(hb: Heartbeat): Promise<void> {
    this.publish('publishHeartbeat', heartbeatSubject(hb.cluster, hb.agent), hb);
  }

  // ───────────────────────────── configs (agent side) ─────────────────────────────

  watchConfigs(cluster: string, handler: ConfigChangeHandler, options: WatchConfigsOptions = {}): Unsubscribe {
    this.assertOpen('watchConfigs');
    const watcher = new ConfigWatcher({ cluster, reader: this.reader(), handler, onError: this.onError });
    if (this.options.jetstreamDomain && !this.domainLink) {
      this.domainLink = monitorDomainLink({
        nc: this.nc,
        subject: `$JS.${this.options.jetstreamDomain}.API.DIRECT.GET.${CONFIG_STREAM}.$KV.${CONFIG_BUCKET}.${manifestKey({ cluster, namespace: 'portway-probe', name: 'portway-probe' })}`,
        onBack: () => this.followers.forEach((f) => f.resume()),
      });
    }
    const follower = followKv({
      js: this.js,
      bucket: CONFIG_BUCKET,
      filter: manifestFilter(cluster),
      onChange: (c) => watcher.onChange(c),
      onSynced: () =>
        void watcher
          .idle()
          .then(() => this.call(() => options.onSynced?.()))
          .catch((e: unknown) => this.onError(e)),
      onError: (e) => this.onError(operationError('watchConfigs', manifestFilter(cluster), e)),
    });
    this.followers.add(follower);
    this.watchers.add(watcher);
    return () => {
      follower.stop();
      watcher.stop();
      this.followers.delete(follower);
      this.watchers.delete(watcher);
    };
  }

  // ───────────────────────────── endpoints ─────────────────────────────

  async putEndpoints(key: EndpointKey, report: EndpointReport | null): Promise<void> {
    this.assertOpen('putEndpoints');
    const k = endpointsKey(key);
    if (report && (report.cluster !== key.cluster || report.namespace !== key.namespace || report.service !== key.service)) {
      throw new BusOperationError({ operation: 'putEndpoints', key: k, message: `report for ${report.cluster}/${report.namespace}/${report.service} put under ${k}` });
    }
    try {
      await this.whenConnected('putEndpoints');
      if (report) {
        await this.endpointsKv.put(k, JSON.stringify(report));
      } else {
        const current = await this.endpointsKv.get(k);
        if (current?.operation === 'PUT') await this.endpointsKv.delete(k);
      }
    } catch (e) {
      throw operationError('putEndpoints', k, e);
    }
  }

  watchEndpoints(handler: (c: { key: EndpointKey; report: EndpointReport | null }) => void): Unsubscribe {
    this.assertOpen('watchEndpoints');
    const known = new Set<string>();
    const follower = followKv({
      js: this.js,
      bucket: ENDPOINTS_BUCKET,
      filter: '>',
      onChange: (c) => {
        const key = parseEndpointsKey(c.key);
        if (!key) return;
        if (c.operation !== 'PUT') {
          if (known.delete(c.key)) this.call(() => handler({ key, report: null }));
          return;
        }
        const decoded = decodeEndpointReport(c.value);
        if (!decoded.ok) return this.onError(new BusDataError({ key: c.key, message: `endpoint report refused: ${decoded.error}` }));
        const r = decoded.value;
        // The key is what permissions vouch for; a report claiming another cluster is refused.
        if (r.cluster !== key.cluster || r.namespace !== key.namespace || r.service !== key.service) {
          return this.onError(new BusDataError({ key: c.key, message: `endpoint report for ${r.cluster}/${r.namespace}/${r.service} under key ${c.key} refused` }));
        }
        known.add(c.key);
        this.call(() => handler({ key, report: r }));
      },
      onError: (e) => this.onError(operationError('watchEndpoints', '>', e)),
    });
    this.followers.add(follower);
    return () => {
      follower.stop();
      this.followers.delete(follower);
    };
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Counters of puts, purges and fetches since the bus was created. */
  stats(): NatsBusStats {
    return { ...this.counters, shardsFetched: this.readers.reduce((n, r) => n + r.fetched, 0) };
  }

  /**
   * Stops watches and subscriptions, waits for writes in progress, drains and closes the
   * connection (closes it at once when the server is away, or after 2 s of draining).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.gcTimers.values()) clearTimeout(t);
    this.gcTimers.clear();
    this.domainLink?.stop();
    for (const f of this.followers) f.stop();
    for (const w of this.watchers) w.stop();
    this.followers.clear();
    this.watchers.clear();
    await Promise.allSettled([this.writeChain, ...this.background]);
    this.subscriptions.clear();
    if (this.nc.isClosed()) return;
    // Draining needs the server; while it is away (or if it does not answer), close at once.
    if (!this.connected) {
      await this.nc.close().catch(() => undefined);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.nc.drain().then(
        () => true,
        () => false,
      ),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), 2_000))),
    ]);
    clearTimeout(timer);
    if (!drained && !this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private async assemble(reader: ShardReader, key: ConfigKey, revision: number, value: Uint8Array): Promise<ConfigEntry> {
    const mk = manifestKey(key);
    const decoded = decodeManifest(value);
    if (!decoded.ok) throw new BusDataError({ key: mk, message: `manifest revision ${revision}: ${decoded.error}` });
    const missing = await reader.load(key.cluster, decoded.value.shards);
    if (missing.length > 0) {
      throw new BusDataError({ key: mk, message: `revision ${revision}: ${missing.length} shard(s) are not stored (collected, or not written yet): ${missing.slice(0, 3).join(', ')}` });
    }
    const config = assembleConfig(decoded.value, (id) => reader.peek(id));
    if (isMissingShards(config)) throw new BusDataError({ key: mk, message: `revision ${revision}: shards missing` });
    return { key: { ...key }, revision, hash: decoded.value.hash, config };
  }

  private reader(): ShardReader {
    const reader = new ShardReader(this.configKv);
    this.readers.push(reader);
    return reader;
  }

  private subscribe<T extends { cluster: string; agent: string }>(
    prefix: string,
    decode: (b: Uint8Array) => { ok: true; value: T } | { ok: false; error: string },
    handler: (value: T) => void,
  ): Unsubscribe {
    this.assertOpen(`subscribe ${prefix}`);
    const sub = this.nc.subscribe(`${prefix}.>`, {
      callback: (err, msg) => {
        if (err) return this.onError(operationError('subscribe', `${prefix}.>`, err));
        const from = parseAgentSubject(msg.subject, prefix);
        const decoded = decode(msg.data);
        if (!from || !decoded.ok) {
          return this.onError(new BusDataError({ key: msg.subject, message: `refused: ${decoded.ok ? 'unexpected subject' : decoded.error}` }));
        }
        // The subject is what permissions vouch for; a message claiming another agent is refused.
        if (decoded.value.cluster !== from.cluster || decoded.value.agent !== from.agent) {
          return this.onError(new BusDataError({ key: msg.subject, message: `message of ${decoded.value.cluster}/${decoded.value.agent} on ${msg.subject} refused` }));
        }
        this.call(() => handler(decoded.value));
      },
    });
    this.subscriptions.add(sub);
    return () => {
      sub.unsubscribe();
      this.subscriptions.delete(sub);
    };
  }

  private publish(operation: string, subject: string, value: unknown): void {
    this.assertOpen(operation);
    try {
      this.nc.publish(subject, JSON.stringify(value));
    } catch (e) {
      throw operationError(operation, subject, e);
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onError(e);
    }
  }

  /** Runs writes one at a time, in call order; failures become `BusOperationError`s. */
  private write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(() => this.whenConnected(what)).then(fn).catch((e: unknown) => {
      throw e instanceof BusOperationError || e instanceof BusDataError ? e : operationError(what.split(' ')[0]!, what.split(' ')[1], e);
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async storedShardIds(cluster: string): Promise<Set<string>> {
    let ids = this.storedShards.get(cluster);
    if (!ids) {
      ids = await this.listShardIds(cluster);
      this.storedShards.set(cluster, ids);
    }
    return ids;
  }

  private async listShardIds(cluster: string): Promise<Set<string>> {
    const keys = await collect(await this.configKv.keys(shardFilter(cluster)));
    return new Set(keys.map((k) => parseShardKey(k)?.id).filter((id): id is string => id !== undefined));
  }

  private noteChange(cluster: string): void {
    const n = (this.changesSinceGc.get(cluster) ?? 0) + 1;
    this.changesSinceGc.set(cluster, n);
    const every = this.options.gcEvery ?? 10;
    if (every <= 0 || n < every || !this.jsm) return;
    // A collection holds up the writes queued behind it: it waits for a quiet moment, unless
    // changes keep coming for ten times as long.
    clearTimeout(this.gcTimers.get(cluster));
    if (n >= every * 10) return this.startGarbageCollection(cluster);
    const timer = setTimeout(() => this.startGarbageCollection(cluster), this.options.gcQuietMs ?? 200);
    timer.unref();
    this.gcTimers.set(cluster, timer);
  }

  private startGarbageCollection(cluster: string): void {
    clearTimeout(this.gcTimers.get(cluster));
    this.gcTimers.delete(cluster);
    if (this.closed) return;
    this.changesSinceGc.set(cluster, 0);
    // Queued behind the current write (write() chains), never awaited by it.
    const gc = Promise.resolve()
      .then(() => (this.closed ? undefined : this.collectGarbage(cluster)))
      .catch((e: unknown) => this.onError(e));
    this.background.add(gc);
    void gc.finally(() => this.background.delete(gc));
  }

  private checkSize(key: string, text: string): void {
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    const size = Buffer.byteLength(text);
    // Headers and the subject ride along; keep a margin.
    if (size + 1024 > max) {
      throw new BusOperationError({ operation: 'putConfig', key, message: `value of ${size} bytes exceeds the server's max payload (${max}): one backend or rule is too large to carry` });
    }
  }

  /**
   * Waits (up to the request timeout) while the connection is re-establishing: a request sent
   * while disconnected is buffered by the client and may be lost across a server restart, so
   * operations start once the connection is back rather than time out.
   */
  private async whenConnected(operation: string): Promise<void> {
    if (this.connected) return;
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.reconnected, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (!this.connected) throw new BusOperationError({ operation, message: `${operation}: not connected to NATS (reconnecting for ${timeoutMs} ms)` });
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new BusOperationError({ operation, message: 'bus is closed' });
  }
}

function isWrongLastSequence(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

function operationError(operation: string, key: string | undefined, e: unknown): BusOperationError {
  if (e instanceof BusOperationError) return e;
  return new BusOperationError({ operation, key, message: `${operation}${key ? ` ${key}` : ''}: ${errorMessage(e)}`, cause: e });
}

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of iter) out.push(v);
  return out;
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The rollback holds a follower delivered, with this process's own writes counted at once: until
 * the follower delivers a write of the same kind for a key this process wrote, older changes of
 * that key it delivers are skipped (they come before the write in stream order).
 */
class PinCache {
  synced = false;
  readonly pins = new Map<string, ConfigPin>();
  private readonly ahead = new Map<string, 'put' | 'delete'>();

  /** This process stored (or, with null, deleted) the hold under `key`. */
  wrote(key: string, pin: ConfigPin | null): void {
    this.ahead.set(key, pin ? 'put' : 'delete');
    this.set(key, pin);
  }

  /** The follower delivered a change of `key` (null: deleted, purged or unreadable). */
  delivered(key: string, pin: ConfigPin | null): void {
    const ahead = this.ahead.get(key);
    if (ahead !== undefined) {
      if (ahead !== (pin ? 'put' : 'delete')) return;
      this.ahead.delete(key);
    }
    this.set(key, pin);
  }

  private set(key: string, pin: ConfigPin | null): void {
    if (pin) this.pins.set(key, pin);
    else this.pins.delete(key);
  }
}
