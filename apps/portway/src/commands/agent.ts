import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { Effect } from 'effect';
import {
  Agent,
  EastWestAllowList,
  EastWestAllowingDataPlane,
  EastWestListener,
  feedAllowListFromExports,
  InProcessDataPlane,
  WorkerDataPlane,
  agentStatusReport,
  loadEastWestTls,
  type DataPlane,
} from '@portway/agent';
import type { EastWestClientTls } from '@portway/proxy';
import { CacheBackedBus, ConfigCache, EndpointExporter } from '@portway/agent';
import { NatsBus, agentInboxPrefix, type Bus } from '@portway/bus';
import { createFileSource } from '@portway/provider-file';
import { decodeManifests } from '../decode.js';
import { AdminServer } from '@portway/controller';
import { parseHostPort } from '../defaults.js';
import type { Logger } from '../logger.js';
import { idleCompactionScope } from '../memory/idle-compaction-scope.js';
import { natsConnectOptions, type NatsCliOptions } from '../nats-options.js';
import { runScopedUntilSignal } from '../run-scoped.js';
import { parseAdvertiseList, watchAdvertisedAddresses } from '../advertised-addresses.js';

export interface AgentCommandOptions extends NatsCliOptions {
  cluster: string;
  name?: string;
  address: string;
  workers: number;
  admin: string;
  logLevel: string;
  heartbeatMs: number;
  drainTimeoutMs: number;
  /** `--east-west-listen host:port`: serve this cluster's endpoints to other clusters (mutual TLS). */
  eastWestListen?: string;
  /** ClusterSet CA, this agent's certificate and key (PEM files): the listener's, and what the proxy presents to other clusters' listeners. */
  eastWestCa?: string;
  eastWestCert?: string;
  eastWestKey?: string;
  /** `--resources DIR`: this cluster's ServiceExports, Services and EndpointSlices (folder of YAML, watched): their endpoints are exported. */
  resources?: string;
  /** Period of the endpoint reports' refresh (their freshness at the hub). */
  exportRefreshMs?: number;
  /** `--cache-dir DIR`: the configs applied are kept there; started while the bus has nothing to give, the agent serves them. */
  cacheDir?: string;
  /** How long the bus has to hand over the configs at start before the cache is served. */
  cacheFallbackMs?: number;
  /** `--nats-domain`: JetStream domain of the hub's buckets (an agent behind its spoke's leafnode server). */
  natsDomain?: string;
  /** `--advertise A,B`: addresses reported for Gateways' `status.addresses` instead of `--address`. */
  advertise?: string;
  /** `--advertise-service SELECTOR`: report the load-balancer/external/node addresses of the agents' Services with these labels. */
  advertiseService?: string;
  /** Namespace of those Services (default `$POD_NAMESPACE`, else `default`). */
  advertiseNamespace?: string;
  /** kubeconfig for `--advertise-service` (default: in-cluster, then `$KUBECONFIG` / ~/.kube/config). */
  kubeconfig?: string;
  /** How often those Services are read again. */
  advertiseRefreshMs?: number;
}

/**
 * The east-west credentials the flags name, or undefined without any. All three files go
 * together; `--east-west-listen` needs them.
 */
export function eastWestCredentials(options: Pick<AgentCommandOptions, 'eastWestListen' | 'eastWestCa' | 'eastWestCert' | 'eastWestKey'>): EastWestClientTls | undefined {
  const files = { ca: options.eastWestCa, cert: options.eastWestCert, key: options.eastWestKey };
  const given = Object.entries(files).filter(([, v]) => v !== undefined);
  if (given.length === 0) {
    if (options.eastWestListen !== undefined) throw new Error('--east-west-listen needs --east-west-ca, --east-west-cert and --east-west-key');
    return undefined;
  }
  if (given.length < 3) {
    const missing = Object.entries(files).filter(([, v]) => v === undefined).map(([k]) => `--east-west-${k}`);
    throw new Error(`east-west: ${missing.join(' and ')} missing (--east-west-ca, --east-west-cert and --east-west-key go together)`);
  }
  return loadEastWestTls({ ca: files.ca!, cert: files.cert!, key: files.key! });
}

/** Default agent name: stable across restarts of the same agent (host and address). */
export function defaultAgentName(address: string): string {
  return `${hostname()}-${address}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/**
 * `portway agent`: one spoke. Connects to NATS with its cluster's credentials, reads its
 * cluster's configs from KV, applies them all, and only then reports ready (`/readyz`); then
 * follows updates, acks every revision, and heartbeats. Configs that list no addresses are served
 * on `--address`. If NATS goes away the proxy keeps serving; the watch resumes on reconnect.
 */
export function runAgent(options: AgentCommandOptions, log: Logger) {
  return Effect.gen(function* () {
    if (!options.cluster) throw new Error('--cluster: a cluster name is required');
    if (isIP(options.address) === 0) throw new Error(`--address "${options.address}" is not an IP address`);
    const admin = parseHostPort(options.admin);
    if (options.advertise !== undefined && options.advertiseService !== undefined) throw new Error('--advertise and --advertise-service: give one of them');
    const advertised = options.advertise !== undefined ? parseAdvertiseList(options.advertise) : undefined;
    const advertiseService = options.advertiseService;
    const eastWest = eastWestCredentials(options);
    const eastWestListen = options.eastWestListen !== undefined ? parseHostPort(options.eastWestListen) : undefined;
    const connect = natsConnectOptions(options);
    const name = options.name ?? defaultAgentName(options.address);
    const agentLog = log.child({ component: 'agent', cluster: options.cluster, agent: name });
    let busState = 'connecting';
    let cacheBus: CacheBackedBus | undefined;
    const busNow = () => {
      const state = cacheBus && busState === 'connecting' && cacheBus.connected() ? 'connected' : busState;
      return cacheBus?.servingCache() ? `${state} (serving the disk cache: the bus has not handed over the configs)` : state;
    };

    // The admin API comes first: /readyz answers 503 until the configs of the bus are applied.
    let agent: Agent | undefined;
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const s = new AdminServer({
            host: admin.host,
            port: admin.port,
            routes: {
              '/healthz': () => ({ status: 200, body: 'ok' }),
              '/readyz': () =>
                agent?.isReadyNow() ? { status: 200, body: 'ready' } : { status: 503, body: 'not ready: applying the configs held on the bus' },
              '/status': () =>
                agent
                  ? { status: 200, body: agentStatusReport(agent, { name, cluster: options.cluster, addresses: [options.address], bus: busNow() }) }
                  : { status: 503, body: { error: 'starting' } },
            },
          });
          await s.start();
          return s;
        },
        catch: (e) => e,
      }),
      (s) => Effect.promise(() => s.close()),
    );

    const connectBus = () =>
      NatsBus.connect({
        ...connect,
        ...(options.natsDomain ? { jetstreamDomain: options.natsDomain } : {}),
        // NATS clients commonly retry every 2 s; a spoke should not wait longer to catch up.
        reconnectBackoff: { minMs: 250, maxMs: 2_000 },
        name: `portway-agent ${options.cluster}/${name}`,
        inboxPrefix: agentInboxPrefix(options.cluster),
        onStatus: (s) => {
          if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'reconnecting' || s.type === 'close') busState = s.type === 'reconnect' ? 'connected' : s.type;
          if (s.type !== 'ping' && s.type !== 'reconnecting') agentLog.info({ nats: s }, 'nats connection');
        },
        onError: (e) => agentLog.warn({ err: e }, 'bus'),
      });
    // With a disk cache the agent starts even when the bus cannot be reached (it keeps trying).
    const bus: Bus = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async (): Promise<Bus> =>
          options.cacheDir
            ? new CacheBackedBus({ connect: connectBus, cache: new ConfigCache(options.cacheDir), fallbackMs: options.cacheFallbackMs ?? 2_000, log: agentLog })
            : connectBus(),
        catch: (e) => e,
      }),
      (b) => Effect.promise(() => b.close()),
    );
    if (bus instanceof CacheBackedBus) cacheBus = bus;
    else busState = 'connected';

    const dataPlane: DataPlane = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          if (options.workers === 0) {
            return new InProcessDataPlane({
              defaultAddress: options.address,
              drainTimeoutMs: options.drainTimeoutMs,
              log: (level, msg, fields) => agentLog[level](fields ?? {}, msg),
              ...(eastWest ? { eastWest } : {}),
            });
          }
          const workers = new WorkerDataPlane({
            workers: options.workers,
            defaultAddress: options.address,
            drainTimeoutMs: options.drainTimeoutMs,
            log: agentLog,
            logLevel: options.logLevel,
            ...(eastWest ? { eastWest } : {}),
          });
          await workers.start();
          return workers;
        },
        catch: (e) => e,
      }),
      (d) => Effect.promise(() => d.close()),
    );

    // The east-west listener relays other clusters' connections to the endpoints this agent's configs serve.
    let served: DataPlane = dataPlane;
    let allowList: EastWestAllowList | undefined;
    if (eastWest && eastWestListen) {
      const list = new EastWestAllowList();
      allowList = list;
      const listener = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const l = new EastWestListener({ host: eastWestListen.host, port: eastWestListen.port, ...eastWest, allowList: list, log: agentLog });
            await l.start();
            return l;
          },
          catch: (e) => e,
        }),
        (l) => Effect.promise(() => l.close()),
      );
      agentLog.info({ eastWest: listener.address() }, 'east-west listener ready');
      served = new EastWestAllowingDataPlane(dataPlane, list, options.cluster);
      // The endpoints this cluster exports are relayed too (see the exporter below).
    }

    // Stopping the agent says goodbye on the bus and closes the data plane (listeners drain).
    agent = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const a = new Agent({ name, cluster: options.cluster, bus, dataPlane: served, log: agentLog, heartbeatMs: options.heartbeatMs, addresses: advertised ?? [options.address] });
        a.start();
        return a;
      }),
      (a) => Effect.promise(() => a.stop()),
    );
    // Memory back after a large apply, at the first quiet moment (see idle-compaction.ts); its activity the revisions served.
    const running = agent;
    yield* idleCompactionScope(() => {
      let revisions = 0;
      for (const s of running.serving().values()) revisions += s.revision;
      return revisions;
    }, agentLog);
    // Addresses of the agents' Service (load balancer, external IPs, nodes), read from the API server.
    if (advertiseService !== undefined) {
      const selector = advertiseService;
      yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const k8s = await import('@portway/provider-k8s');
            const { KubeConfig } = await import('@kubernetes/client-node');
            const kubeConfig = new KubeConfig();
            if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
            else kubeConfig.loadFromDefault();
            const namespace = options.advertiseNamespace ?? process.env.POD_NAMESPACE ?? 'default';
            const a = agent!;
            return watchAdvertisedAddresses({
              read: async () => (await k8s.readAgentAddresses({ kubeConfig, namespace, labelSelector: selector })).map((x) => x.value),
              intervalMs: options.advertiseRefreshMs ?? 30_000,
              onChange: (addresses) => {
                agentLog.info({ addresses, service: `${namespace}/${selector}` }, 'advertised addresses');
                a.setAddresses(addresses.length > 0 ? addresses : [options.address]);
              },
              onError: (e) => agentLog.warn({ err: e, namespace, selector }, 'could not read the agents\' Service addresses (the last ones stay)'),
            });
          },
          catch: (e) => new Error(`--advertise-service: ${(e as Error).message}`),
        }),
        (stop) => Effect.sync(stop),
      );
    }
    // Endpoint export: this cluster's exported Services, published under its own keys.
    if (options.resources) {
      const resources = options.resources;
      yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const a = agent!;
            // The agent's active health checks of its own endpoints go into the reports (at once on a change).
            let snapshot: Map<string, boolean> | undefined;
            const exporter = new EndpointExporter({
              cluster: options.cluster,
              reader: createFileSource({ dir: resources, decode: decodeManifests }),
              bus: allowList ? feedAllowListFromExports(bus, allowList) : bus,
              log: agentLog,
              refreshMs: options.exportRefreshMs ?? 2_000,
              health: {
                healthy: (address, port) => {
                  snapshot ??= new Map(a.endpointHealth(true).map((h) => [h.endpoint, h.healthy]));
                  queueMicrotask(() => (snapshot = undefined));
                  return snapshot.get(`${address}:${port}`);
                },
              },
            });
            const unsubscribe = a.onLocalHealth(() => exporter.resync());
            await exporter.start();
            return { stop: async () => (unsubscribe(), await exporter.stop()) };
          },
          catch: (e) => e,
        }),
        (x) => Effect.promise(() => x.stop()),
      );
    }
    const started = performance.now();
    yield* Effect.promise(() => agent!.ready());
    agentLog.info(
      { admin: options.admin, address: options.address, workers: options.workers, gateways: agent.serving().size, ms: Math.round(performance.now() - started) },
      'portway agent is ready',
    );
    return yield* Effect.never;
  });
}

export function runAgentUntilSignal(options: AgentCommandOptions): Promise<void> {
  return runScopedUntilSignal(options.logLevel, 'portway agent', (log) => runAgent(options, log));
}
