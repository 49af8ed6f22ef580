import { snapshotOf, type AnyObject, type RouteKind } from '@portway/api';
import type { Ack, Bus, ConfigKey, ConfigPin, ConfigPinStore, Heartbeat, Unsubscribe } from '@portway/bus';
import { assignAddresses, GraphBuilder, programmedInvalid, type Condition, type Graph } from '@portway/graph';
import { configHash, type GatewayConfig } from '@portway/ir';
import type { ResourceSource, SourceError, SourceState } from '@portway/provider-file';
import { StatusPreparer, type StatusUpdate } from '@portway/status';
import { Translator, type ClusterGateways } from '@portway/translate';
import { AgentDirectory, agentId, type AgentRecord } from './agent-directory.js';
import type { Log } from './log.js';
import { gatewayPlacement, NO_PLACEMENT_RULES, placementTargets, type Placement, type PlacementRules } from './placement.js';
import { ProgrammedTracker } from './programmed-tracker.js';
import { StatusStore } from './status-store.js';

/**
 * Hub and spokes: agents run elsewhere, one or more per cluster, and announce themselves with
 * heartbeats. Configs are published per cluster and list no addresses (each agent binds its own);
 * a Gateway's `status.addresses` are the addresses of the agents serving it.
 */
export interface HubOptions {
  /** `--cluster-placement` rules (annotations on Gateways are read either way). */
  placement?: PlacementRules;
  /** Lists the config keys on the bus without reading the configs (default: `bus.listConfigs()`). */
  configKeys?: () => Promise<ConfigKey[]>;
  /** Rollback holds (`portway rollback`); without it every build is published as it is. */
  pins?: ConfigPinStore;
  /** Agent sessions: heartbeat delays before stale and gone (defaults of `agentSessionMachine`). */
  staleAfterMs?: number;
  goneAfterMs?: number;
  /**
   * At start, how long to wait for heartbeats of the clusters that already hold configs before
   * the first build, so the first status is not a false Pending (default 3 s; 0: do not wait).
   */
  discoveryMs?: number;
  /**
   * Clusters reached through their east-west gateway (`--cluster-gateway`): their endpoints get
   * `via` in the other clusters' configs. Absent: every endpoint is dialed directly.
   */
  clusterGateways?: ClusterGateways;
}

export interface ControllerOptions {
  source: ResourceSource;
  bus: Bus;
  log: Log;
  /** GatewayClass controllerName Portway manages. */
  controllerName: string;
  /** Cluster the configs are published for ("" in standalone mode). Ignored in hub mode. */
  cluster: string;
  /** Addresses Gateways without `spec.addresses` take (standalone mode). Ignored in hub mode. */
  addressPool: readonly string[];
  /** Agents that must serve every Gateway before it is Programmed (standalone mode). Ignored in hub mode. */
  agents: readonly string[];
  routeKinds: readonly RouteKind[];
  supportedFeatures: readonly string[];
  /** Hub-and-spokes mode (`portway controller`): clusters and agents are learnt from heartbeats. */
  hub?: HubOptions;
  /** Clock for condition transition times. */
  now?: () => Date;
  /** How long agents have to ack a revision before the Gateway reads degraded (default 10 s). */
  ackTimeoutMs?: number;
  /** Statuses computed beside the graph's (the ClusterSet view's ServiceImports), stored with them. */
  extraStatus?: () => readonly StatusUpdate[];
}

/** What the admin API shows of the controller's view of clusters and agents. */
export interface TopologyView {
  clusters: { name: string; live: boolean; agents: AgentRecord[] }[];
  gateways: Record<string, { placement: Placement; clusters: string[]; heldByRollback: string[] }>;
}

const keyString = (k: ConfigKey) => `${k.cluster}\u0000${k.namespace}/${k.name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Backoff of builds retried after a failure (the bus was away, say). */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

/**
 * The hub controller's loop: source state → graph → addresses → IR per cluster → bus, and
 * acks/heartbeats → Programmed → status. Builds are batched: changes that arrive while a build
 * runs trigger one more build when it ends. Status is recomputed after each build and each
 * relevant ack or heartbeat, and stored only when it changed.
 *
 * Publishing: the bus stores a config only when its hash changed, so a restarted controller
 * writes nothing for unchanged Gateways. Keys this controller (or an earlier one) published that
 * are no longer wanted are deleted — the keys on the bus at start count, so a Gateway deleted
 * while the controller was down is retracted too.
 */
export class Controller {
  readonly statusStore = new StatusStore();
  private readonly statusPreparer = new StatusPreparer();
  /** Reuses the nodes of unchanged routes from one build to the next. */
  private readonly graphBuilder: GraphBuilder;
  /** One translator per cluster (endpoints carry their cluster): each rebuilds only what changed. */
  private translators = new Map<string, Translator>();
  private readonly tracker: ProgrammedTracker;
  private readonly directory: AgentDirectory | undefined;
  private state: SourceState | undefined;
  private graph: Graph | undefined;
  private addresses: Record<string, string[]> = {};
  private addressProblems: Record<string, Condition> = {};
  private configs: GatewayConfig[] = [];
  /** Keys published (by this controller or found on the bus at start). */
  private published = new Map<string, ConfigKey>();
  private placements = new Map<string, { placement: Placement; clusters: string[] }>();
  private building: Promise<void> | undefined;
  private dirty = false;
  private statusQueued = false;
  private readonly unsubscribe: Unsubscribe[] = [];
  private built = false;
  private stopped = false;
  private knownClustersAtLastBuild = '';
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  private readonly now: () => Date;
  private stats = { builds: 0, puts: 0, unchangedPuts: 0, deletes: 0, heldByRollback: 0 };

  constructor(private readonly options: ControllerOptions) {
    this.tracker = new ProgrammedTracker(() => this.queueStatus(), options.ackTimeoutMs);
    this.now = options.now ?? (() => new Date());
    this.graphBuilder = new GraphBuilder({ controllerName: options.controllerName, routeKinds: options.routeKinds });
    const hub = options.hub;
    if (hub) {
      this.directory = new AgentDirectory({
        ...(hub.staleAfterMs !== undefined ? { staleAfterMs: hub.staleAfterMs } : {}),
        ...(hub.goneAfterMs !== undefined ? { goneAfterMs: hub.goneAfterMs } : {}),
        onMembershipChange: () => this.onMembershipChange(),
        onHeartbeat: (hb) => this.onHeartbeat(hb),
      });
    } else {
      this.tracker.setAgents(options.cluster, options.agents.map((a) => agentId(options.cluster, a)));
    }
  }

  /** Loads the source, builds once, and keeps following changes, acks and heartbeats. */
  async start(): Promise<void> {
    this.unsubscribe.push(this.options.bus.onAck((a) => this.onAck(a)));
    if (this.directory) {
      const directory = this.directory;
      this.unsubscribe.push(this.options.bus.onHeartbeat((hb) => directory.heartbeat(hb)));
      // What is on the bus already: its clusters keep receiving configs, its keys are ours to retract.
      const hub = this.options.hub!;
      const existing = hub.configKeys ? await hub.configKeys() : (await this.options.bus.listConfigs()).map((e) => e.key);
      for (const key of existing) this.published.set(keyString(key), key);
      const clusters = [...new Set(existing.map((k) => k.cluster))];
      directory.addClusters(clusters);
      await this.awaitDiscovery(clusters);
    }
    await this.options.source.start((state) => {
      this.state = state;
      this.schedule();
    });
    await this.building;
  }

  /** Waits (bounded) until every cluster that holds configs has a live agent again. */
  private async awaitDiscovery(clusters: readonly string[]): Promise<void> {
    const directory = this.directory!;
    const deadline = Date.now() + (this.options.hub?.discoveryMs ?? 3_000);
    while (clusters.some((c) => directory.liveAgents(c).length === 0) && Date.now() < deadline && !this.stopped) await sleep(50);
  }

  /** True once the first build published its configs. */
  isBuilt(): boolean {
    return this.built;
  }

  /** The configs of the last build (one per Gateway and cluster in hub mode). */
  currentConfigs(): readonly GatewayConfig[] {
    return this.configs;
  }

  sourceErrors(): readonly SourceError[] {
    return this.state?.errors ?? [];
  }

  sourceObjects(): readonly AnyObject[] {
    return this.state?.objects ?? [];
  }

  /** Counters of builds and bus writes (admin API, tests). */
  counters(): Readonly<typeof this.stats> {
    return { ...this.stats };
  }

  /** Clusters, agents and where each Gateway is published (hub mode; empty otherwise), with the rollback holds in force. */
  async topology(): Promise<TopologyView> {
    const pins = this.options.hub?.pins ? await this.options.hub.pins.listPins() : [];
    const directory = this.directory;
    const clusters = directory
      ? directory.knownClusters().map((name) => ({
          name,
          live: directory.liveAgents(name).length > 0,
          agents: directory.records().filter((r) => r.cluster === name),
        }))
      : [];
    const gateways: TopologyView['gateways'] = {};
    for (const [gw, p] of this.placements) {
      gateways[gw] = { ...p, heldByRollback: pins.filter((h) => `${h.key.namespace}/${h.key.name}` === gw).map((h) => h.key.cluster).sort() };
    }
    return { clusters, gateways };
  }

  /** Per-cluster Programmed lifecycle of every Gateway (admin API). */
  programmedByCluster() {
    return this.tracker.clusterStates();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.building) {
      this.dirty = true;
      return;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.building = this.build()
      .then(() => {
        this.retryDelayMs = RETRY_MIN_MS;
      })
      .catch((e: unknown) => {
        // Nothing else may trigger a build for a while (a file source reports changes only): try
        // again with a backoff, so a change made while the bus was away is published once it is back.
        this.options.log.error({ err: e, retryInMs: this.retryDelayMs }, 'build failed; the previous configuration keeps serving');
        if (!this.stopped && !this.dirty) {
          this.retryTimer = setTimeout(() => this.schedule(), this.retryDelayMs);
          this.retryTimer.unref();
        }
        this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
      })
      .finally(() => {
        this.building = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  private async build(): Promise<void> {
    const state = this.state;
    if (!state) return;
    const started = performance.now();
    this.stats.builds++;
    const { snapshot } = snapshotOf(state.objects);
    const graph = this.graphBuilder.build(snapshot);
    const { configs, problems, addresses } = this.directory ? this.translateHub(graph) : this.translateStandalone(graph);
    this.graph = graph;
    this.addressProblems = problems;
    if (!this.directory) this.addresses = addresses;
    this.configs = configs;

    // Publish what changed (the bus ignores unchanged hashes), then retract what is gone.
    const pins = this.options.hub?.pins ? await this.loadPins() : new Map<string, ConfigPin>();
    const live = new Map<string, ConfigKey>();
    let changed = 0;
    await Promise.all(
      configs.map(async (config) => {
        const key: ConfigKey = { cluster: config.cluster, namespace: config.gateway.namespace, name: config.gateway.name };
        const k = keyString(key);
        const gw = `${key.namespace}/${key.name}`;
        const listeners = config.ports.flatMap((p) => p.listeners.map((l) => l.name));
        live.set(k, key);
        const pin = pins.get(k);
        if (pin) {
          // `configHash` is the identity the bus stores in manifests (and `rollback` records).
          if (configHash(config) === pin.supersededHash) {
            // The rollback holds while the Gateway's own configuration is what it replaced.
            this.stats.heldByRollback++;
            this.tracker.evaluated(key.cluster, gw, { generation: config.gateway.generation, listeners });
            return;
          }
          this.options.log.info({ gateway: gw, cluster: key.cluster, restoredRevision: pin.restoredRevision }, 'the Gateway changed: its rollback ends');
          await this.options.hub!.pins!.deletePin(key);
        }
        this.tracker.publishing(key.cluster, gw);
        try {
          const entry = await this.options.bus.putConfig(key, config);
          if (entry.changed) changed++;
          else this.stats.unchangedPuts++;
          this.stats.puts++;
          this.tracker.published(key.cluster, gw, { generation: config.gateway.generation, revision: entry.revision, hash: entry.hash, listeners });
        } catch (e) {
          this.tracker.publishFailed(key.cluster, gw);
          throw e;
        }
      }),
    );
    for (const [k, key] of this.published) {
      if (live.has(k)) continue;
      await this.options.bus.deleteConfig(key);
      if (pins.has(k)) await this.options.hub!.pins!.deletePin(key);
      this.stats.deletes++;
      this.tracker.removed(key.cluster, `${key.namespace}/${key.name}`);
    }
    // Holds of keys this controller never published (left from an earlier time) are dropped.
    for (const [k, pin] of pins) if (!live.has(k) && !this.published.has(k)) await this.options.hub!.pins!.deletePin(pin.key);
    this.published = live;
    this.built = true;
    // Outcomes heard before these Gateways were tracked (a restarted controller) count at once.
    if (this.directory) for (const r of this.directory.records()) if (r.state !== 'gone') this.replayOutcomes(r.cluster, r.agent, r.outcomes);
    this.updateStatus();
    this.options.log.info(
      { gateways: graph.gateways.length, configs: configs.length, changed, routes: graph.routes.length, ms: Math.round(performance.now() - started) },
      'configuration built',
    );
  }

  private async loadPins(): Promise<Map<string, ConfigPin>> {
    const pins = await this.options.hub!.pins!.listPins();
    return new Map(pins.map((p) => [keyString(p.key), p]));
  }

  /** Standalone: one cluster, addresses from the pool. */
  private translateStandalone(graph: Graph) {
    const { addresses, problems } = assignAddresses(graph.gateways, this.options.addressPool, this.addresses);
    const translators = new Map<string, Translator>();
    const configs = this.translatorFor(this.options.cluster, translators).translate(graph, { cluster: this.options.cluster, addresses });
    this.translators = translators;
    this.placements = new Map();
    for (const gw of graph.gateways) if (gw.accepted) this.placements.set(gw.key, { placement: { kind: 'everywhere' }, clusters: [this.options.cluster] });
    return { configs, problems, addresses };
  }

  /** Hub: each accepted Gateway for the clusters of its placement, listing no addresses. */
  private translateHub(graph: Graph) {
    const known = this.directory!.knownClusters();
    this.knownClustersAtLastBuild = known.join(',');
    const problems: Record<string, Condition> = {};
    const byCluster = new Map<string, Record<string, string[]>>();
    this.placements = new Map();
    for (const gw of graph.gateways.filter((g) => g.accepted)) {
      const placement = gatewayPlacement(gw.key, gw.source.metadata.annotations, this.options.hub?.placement ?? NO_PLACEMENT_RULES);
      if (placement.kind === 'invalid') problems[gw.key] = programmedInvalid(placement.message);
      const clusters = placementTargets(placement, known);
      this.placements.set(gw.key, { placement, clusters });
      for (const c of clusters) {
        const map = byCluster.get(c) ?? {};
        map[gw.key] = [];
        byCluster.set(c, map);
      }
    }
    // The IR is built per cluster (endpoints carry the cluster they live in).
    const translators = new Map<string, Translator>();
    const configs = [...byCluster].flatMap(([cluster, addresses]) => this.translatorFor(cluster, translators).translate(graph, { cluster, addresses, clusterGateways: this.options.hub?.clusterGateways }));
    // Clusters that no longer receive configs drop their translator (and what it remembers).
    this.translators = translators;
    return { configs, problems, addresses: {} };
  }

  /** The translator of `cluster`: the previous build's when there was one; recorded in `next`. */
  private translatorFor(cluster: string, next: Map<string, Translator>): Translator {
    const t = this.translators.get(cluster) ?? new Translator();
    next.set(cluster, t);
    return t;
  }

  private onAck(a: Ack): void {
    if (!a.ok) this.options.log.warn({ agent: a.agent, cluster: a.cluster, gateway: a.gateway, revision: a.revision, errors: a.errors }, 'agent refused a config');
    this.tracker.ack(a.cluster, agentId(a.cluster, a.agent), `${a.gateway.namespace}/${a.gateway.name}`, a);
  }

  /** Heartbeats repeat each agent's latest outcomes: a controller that missed acks catches up. */
  private onHeartbeat(hb: Heartbeat): void {
    this.replayOutcomes(hb.cluster, hb.agent, hb.outcomes ?? {});
    this.queueStatus();
  }

  private replayOutcomes(cluster: string, agent: string, outcomes: Heartbeat['outcomes'] & object): void {
    const id = agentId(cluster, agent);
    for (const [gw, outcome] of Object.entries(outcomes)) this.tracker.ack(cluster, id, gw, outcome);
  }

  private onMembershipChange(): void {
    const directory = this.directory!;
    for (const cluster of directory.knownClusters()) this.tracker.setAgents(cluster, directory.liveAgents(cluster).map((a) => agentId(cluster, a)));
    // A cluster seen for the first time gets the Gateways placed everywhere.
    if (this.built && directory.knownClusters().join(',') !== this.knownClustersAtLastBuild) {
      this.options.log.info({ clusters: directory.knownClusters() }, 'new cluster: publishing its configs');
      this.schedule();
    }
    this.queueStatus();
  }

  /** Coalesces status recomputations triggered by a burst of acks and heartbeats. */
  private queueStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    queueMicrotask(() => {
      this.statusQueued = false;
      this.updateStatus();
    });
  }

  /** Hub mode: a Gateway's addresses are those of the live agents serving it. */
  private agentAddresses(graph: Graph): Record<string, string[]> {
    const directory = this.directory!;
    const out: Record<string, string[]> = {};
    for (const gw of graph.gateways) {
      const p = this.placements.get(gw.key);
      if (!p) continue;
      const set = new Set<string>();
      for (const cluster of p.clusters) {
        const acked = new Set(this.tracker.servingAgents(cluster, gw.key));
        for (const agent of directory.liveAgents(cluster)) {
          const r = directory.record(cluster, agent);
          // Before its first ack reaches this controller, an agent's heartbeat says what it serves.
          const outcome = r?.outcomes[gw.key];
          const serves = acked.has(agentId(cluster, agent)) || (r?.serving[gw.key] !== undefined && (outcome === undefined || (outcome.ok && outcome.listenersBound.length > 0)));
          if (r && serves) r.addresses.forEach((a) => set.add(a));
        }
      }
      if (set.size) out[gw.key] = [...set].sort(compareAddresses);
    }
    return out;
  }

  private updateStatus(): void {
    const graph = this.graph;
    const state = this.state;
    if (!graph || !state || this.stopped) return;
    const hub = this.directory !== undefined;
    const addresses = hub ? this.agentAddresses(graph) : this.addresses;
    const accepted = graph.gateways.filter((g) => g.accepted).map((g) => g.key);
    const { others, routes } = this.statusPreparer.prepareParts({
      graph,
      controllerName: this.options.controllerName,
      supportedFeatures: this.options.supportedFeatures,
      addresses,
      addressProblems: this.addressProblems,
      programmed: hub ? this.tracker.snapshot(accepted) : this.tracker.snapshot(),
      previous: this.statusStore.previous(),
      // The store holds what the preparer returned last (updateStatus always stores it).
      previousIsLastOutput: true,
      now: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const extra = this.options.extraStatus?.() ?? [];
    // Route statuses unchanged since the last call come as the same array: the store skips them.
    const written = this.statusStore.replace(state.objects, others, routes, extra);
    if (written > 0) this.options.log.debug({ written }, 'status updated');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const u of this.unsubscribe) u();
    await this.options.source.stop();
    await this.building;
    this.tracker.stop();
    this.directory?.stop();
  }
}

/** Addresses in numeric order where they are IPv4, else as text. */
function compareAddresses(a: string, b: string): number {
  const na = a.split('.').map(Number);
  const nb = b.split('.').map(Number);
  if (na.length === 4 && nb.length === 4 && [...na, ...nb].every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
    return 0;
  }
  return a.localeCompare(b);
}
