import { snapshotOf, type AnyObject, type RouteKind } from '@portway/api';
import type { Ack, Bus, ConfigKey, Unsubscribe } from '@portway/bus';
import { assignAddresses, buildGraph, type Graph } from '@portway/graph';
import type { GatewayConfig } from '@portway/ir';
import type { ResourceSource, SourceError, SourceState } from '@portway/provider-file';
import { prepareStatus, type StatusUpdate } from '@portway/status';
import { translate } from '@portway/translate';
import type { Log } from './log.js';
import { ProgrammedTracker } from './programmed-tracker.js';
import { StatusStore } from './status-store.js';

export interface ControllerOptions {
  source: ResourceSource;
  bus: Bus;
  log: Log;
  /** GatewayClass controllerName Portway manages. */
  controllerName: string;
  /** Cluster the configs are published for ("" in standalone mode). */
  cluster: string;
  /** Addresses Gateways without `spec.addresses` take (standalone mode). */
  addressPool: readonly string[];
  /** Agents that must serve every Gateway before it is Programmed. */
  agents: readonly string[];
  routeKinds: readonly RouteKind[];
  supportedFeatures: readonly string[];
  /** Clock for condition transition times. */
  now?: () => Date;
  /** How long agents have to ack a revision before the Gateway reads degraded (default 10 s). */
  ackTimeoutMs?: number;
}

/**
 * The hub controller's loop: source state → graph → addresses → IR → bus, and acks → Programmed
 * → status. Builds are batched: changes that arrive while a build runs trigger one more build
 * when it ends. Status is recomputed after each build and each relevant ack, and stored only
 * when it changed.
 */
export class Controller {
  readonly statusStore = new StatusStore();
  private readonly tracker: ProgrammedTracker;
  private state: SourceState | undefined;
  private graph: Graph | undefined;
  private addresses: Record<string, string[]> = {};
  private addressProblems: Record<string, import('@portway/graph').Condition> = {};
  private configs: GatewayConfig[] = [];
  private published = new Set<string>();
  private building: Promise<void> | undefined;
  private dirty = false;
  private statusQueued = false;
  private unsubscribeAcks: Unsubscribe | undefined;
  private built = false;
  private readonly now: () => Date;

  constructor(private readonly options: ControllerOptions) {
    this.tracker = new ProgrammedTracker(options.agents, () => this.queueStatus(), options.ackTimeoutMs);
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the source, builds once, and keeps following changes and acks. */
  async start(): Promise<void> {
    this.unsubscribeAcks = this.options.bus.onAck((a) => this.onAck(a));
    await this.options.source.start((state) => {
      this.state = state;
      this.schedule();
    });
    await this.building;
  }

  /** True once the first build published its configs. */
  isBuilt(): boolean {
    return this.built;
  }

  currentConfigs(): readonly GatewayConfig[] {
    return this.configs;
  }

  sourceErrors(): readonly SourceError[] {
    return this.state?.errors ?? [];
  }

  sourceObjects(): readonly AnyObject[] {
    return this.state?.objects ?? [];
  }

  private schedule(): void {
    if (this.building) {
      this.dirty = true;
      return;
    }
    this.building = this.build()
      .catch((e: unknown) => this.options.log.error({ err: e }, 'build failed; the previous configuration keeps serving'))
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
    const { snapshot } = snapshotOf(state.objects);
    const graph = buildGraph(snapshot, { controllerName: this.options.controllerName, routeKinds: this.options.routeKinds });
    const { addresses, problems } = assignAddresses(graph.gateways, this.options.addressPool, this.addresses);
    const configs = translate(graph, { cluster: this.options.cluster, addresses });
    this.graph = graph;
    this.addresses = addresses;
    this.addressProblems = problems;
    this.configs = configs;

    // Publish what changed (the bus ignores unchanged hashes), then retract what is gone.
    const live = new Set<string>();
    let changed = 0;
    await Promise.all(
      configs.map(async (config) => {
        const key: ConfigKey = { cluster: this.options.cluster, namespace: config.gateway.namespace, name: config.gateway.name };
        const gwKey = `${key.namespace}/${key.name}`;
        live.add(gwKey);
        const entry = await this.options.bus.putConfig(key, config);
        if (entry.changed) changed++;
        this.tracker.published(gwKey, {
          generation: config.gateway.generation,
          revision: entry.revision,
          hash: entry.hash,
          listeners: config.ports.flatMap((p) => p.listeners.map((l) => l.name)),
        });
      }),
    );
    for (const gwKey of this.published) {
      if (live.has(gwKey)) continue;
      const [namespace, name] = gwKey.split('/') as [string, string];
      await this.options.bus.deleteConfig({ cluster: this.options.cluster, namespace, name });
      this.tracker.removed(gwKey);
    }
    this.published = live;
    this.built = true;
    this.updateStatus();
    this.options.log.info(
      { gateways: configs.length, changed, routes: graph.routes.length, ms: Math.round(performance.now() - started) },
      'configuration built',
    );
  }

  private onAck(a: Ack): void {
    if (!a.ok) this.options.log.warn({ agent: a.agent, gateway: a.gateway, errors: a.errors }, 'agent refused a config');
    this.tracker.ack(a);
  }

  /** Coalesces status recomputations triggered by a burst of acks. */
  private queueStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    queueMicrotask(() => {
      this.statusQueued = false;
      this.updateStatus();
    });
  }

  private updateStatus(): void {
    const graph = this.graph;
    const state = this.state;
    if (!graph || !state) return;
    const updates: StatusUpdate[] = prepareStatus({
      graph,
      controllerName: this.options.controllerName,
      supportedFeatures: this.options.supportedFeatures,
      addresses: this.addresses,
      addressProblems: this.addressProblems,
      programmed: this.tracker.snapshot(),
      previous: this.statusStore.previous(),
      now: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const written = this.statusStore.replace(state.objects, updates);
    if (written > 0) this.options.log.debug({ written }, 'status updated');
  }

  async stop(): Promise<void> {
    this.unsubscribeAcks?.();
    await this.options.source.stop();
    await this.building;
    this.tracker.stop();
  }
}
