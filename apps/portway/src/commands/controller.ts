import { Effect } from 'effect';
import { supportedFeatures } from '@portway/api';
import { NatsBus } from '@portway/bus';
import { AdminServer, ClusterSetSource, Controller, parsePlacementRules } from '@portway/controller';
import { CONTROLLER_NAME, parseHostPort, supportedRouteKinds } from '../defaults.js';
import { historyAdminRoutes } from '../history/admin-routes.js';
import { natsHistory } from '../history/nats-history.js';
import type { Logger } from '../logger.js';
import { idleCompactionScope } from '../memory/idle-compaction-scope.js';
import { natsConnectOptions, type NatsCliOptions } from '../nats-options.js';
import { createResourceSource, type Leadership, type ProviderName, type WiredSource } from '../resource-source.js';
import { runScopedUntilSignal } from '../run-scoped.js';
import { parseClusterGateways } from '@portway/translate';

export interface ControllerCommandOptions extends NatsCliOptions {
  provider: ProviderName;
  file?: string;
  kubeconfig?: string;
  /** `--leader-elect` / `--no-leader-elect` (kubernetes provider; default on). */
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  admin: string;
  clusterPlacement: string[];
  /** `--cluster-gateway cluster=address:port`: clusters reached through their east-west gateway. */
  clusterGateway?: string[];
  logLevel: string;
  debounceMs: number;
  ackTimeoutMs: number;
  agentStaleMs: number;
  agentGoneMs: number;
  discoveryMs: number;
  history: number;
  /** `--derive-service-imports`: create ServiceImports from the clusters' exports (no MCS implementation runs). */
  deriveServiceImports?: boolean;
  /** `--endpoint-stale-ms`: an endpoint report not refreshed for this long is dropped. */
  endpointStaleMs?: number;
}

/** A started controller and the cleanup of what runs beside it (the status writer). */
interface Term {
  controller: Controller;
  detach: () => Promise<void>;
}

/** Pause between attempts to start the controller while this replica leads (NATS away, say). */
const TERM_RETRY_MS = 2_000;

/**
 * `portway controller`: the hub. Reads the provider's objects, publishes one config per Gateway
 * and cluster to NATS, learns clusters and agents from their heartbeats, and computes status
 * (Programmed from the agents' acks). Resources are scoped: on SIGINT/SIGTERM the admin server,
 * the controller (source and status writer) and the NATS connection close in reverse order.
 *
 * With leader election (kubernetes provider), the controller runs only while this replica holds
 * the Lease: a standby keeps its informer cache synced and its NATS connection open, and starts a
 * controller when it takes over — the same start as a restarted controller's, so it republishes
 * nothing unchanged and rebuilds Programmed from the agents' heartbeats; its status writer writes
 * only what differs from the cluster. A leader that loses the Lease stops its controller and
 * campaigns again.
 */
export function runController(options: ControllerCommandOptions, log: Logger) {
  return Effect.gen(function* () {
    // Bad input is reported before anything starts.
    const placement = parsePlacementRules(options.clusterPlacement);
    const clusterGateways = parseClusterGateways(options.clusterGateway ?? []);
    const admin = parseHostPort(options.admin);
    const connect = natsConnectOptions(options);
    if (options.agentGoneMs < options.agentStaleMs) throw new Error('--agent-gone-ms must be at least --agent-stale-ms');

    const wired: WiredSource = yield* Effect.tryPromise({
      try: () =>
        createResourceSource(
          {
            ...options,
            leaderElect: options.leaderElect,
            ...(options.leaseNamespace !== undefined ? { leaseNamespace: options.leaseNamespace } : {}),
            ...(options.leaseName !== undefined ? { leaseName: options.leaseName } : {}),
          },
          log,
        ),
      catch: (e) => e,
    });
    const leadership = wired.leadership;
    const bus = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          NatsBus.connect({
            ...connect,
            // NATS clients commonly retry every 2 s; a spoke should not wait longer to catch up.
            reconnectBackoff: { minMs: 250, maxMs: 2_000 },
            name: 'portway-controller',
            manageBuckets: true,
            history: options.history,
            onStatus: (s) => (s.type === 'ping' || s.type === 'reconnecting' ? undefined : log.info({ nats: s }, 'nats connection')),
            onError: (e) => log.warn({ err: e }, 'bus'),
          }),
        catch: (e) => e,
      }),
      (b) => Effect.promise(() => b.close()),
    );

    // The ClusterSet view: every cluster's exported endpoints (and, opt-in, derived ServiceImports) beside the provider's objects.
    const clusterSet = new ClusterSetSource({
      inner: wired.source,
      bus,
      log: log.child({ component: 'clusterset' }),
      deriveServiceImports: options.deriveServiceImports ?? false,
      staleAfterMs: options.endpointStaleMs ?? 6_000,
    });
    const startTerm = async (): Promise<Term> => {
      const c = new Controller({
        source: clusterSet,
        extraStatus: () => clusterSet.statusUpdates(),
        bus,
        log: log.child({ component: 'controller' }),
        controllerName: CONTROLLER_NAME,
        cluster: '',
        addressPool: [],
        agents: [],
        routeKinds: supportedRouteKinds(),
        supportedFeatures: supportedFeatures(),
        ackTimeoutMs: options.ackTimeoutMs,
        hub: {
          placement,
          pins: bus,
          configKeys: () => bus.configKeys(),
          staleAfterMs: options.agentStaleMs,
          goneAfterMs: options.agentGoneMs,
          discoveryMs: options.discoveryMs,
          clusterGateways,
        },
      });
      try {
        await c.start();
      } catch (e) {
        await c.stop().catch(() => undefined);
        throw e;
      }
      // The status writer follows the store from here: the first statuses it writes come from a build.
      return { controller: c, detach: await wired.attach(c) };
    };
    const endTerm = async (t: Term) => {
      await t.detach();
      await t.controller.stop();
    };

    let term: Term | undefined;
    if (leadership) {
      yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => campaign(leadership, startTerm, endTerm, (t) => (term = t), log), catch: (e) => e }),
        (stop) => Effect.promise(() => stop()),
      );
    } else {
      term = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: startTerm, catch: (e) => e }),
        (t) => Effect.promise(() => endTerm(t)),
      );
    }

    /** Admin answers that need the controller: 503 on a standby. */
    const leading = <T>(fn: (c: Controller) => T | Promise<T>) => async () => {
      const c = term?.controller;
      if (!c) return { status: 503, body: { error: `standby: not leading (Lease ${leadership?.lease} held by ${leadership?.holder() ?? 'nobody yet'})` } };
      return { status: 200, body: await fn(c) };
    };
    const history = natsHistory(bus);
    // Memory back after a large build, at the first quiet moment (see idle-compaction.ts).
    yield* idleCompactionScope(() => term?.controller.counters().builds ?? 0, log);

    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const s = new AdminServer({
            host: admin.host,
            port: admin.port,
            routes: {
              '/healthz': () => ({ status: 200, body: 'ok' }),
              // A standby with a synced cache is ready: it is what a Deployment should keep running.
              '/readyz': () =>
                term
                  ? term.controller.isBuilt()
                    ? { status: 200, body: 'ready' }
                    : { status: 503, body: 'not ready: first build pending' }
                  : leadership?.warm()
                    ? { status: 200, body: 'ready (standby)' }
                    : { status: 503, body: 'not ready: first list pending' },
              '/leader': () => ({
                status: 200,
                body: leadership
                  ? { leaderElection: true, lease: leadership.lease, identity: leadership.identity, leading: term !== undefined, holder: leadership.holder() ?? null }
                  : { leaderElection: false, leading: true },
              }),
              '/clusterset': leading(() => clusterSet.describe()),
              '/status': leading((c) => ({ objects: c.statusStore.objectsWithStatus(), errors: c.sourceErrors() })),
              '/config': leading((c) => ({ configs: c.currentConfigs() })),
              '/agents': leading((c) => c.topology()),
              '/programmed': leading((c) => c.programmedByCluster()),
              '/counters': leading((c) => ({ controller: c.counters(), bus: bus.stats() })),
              ...historyAdminRoutes(history),
            },
          });
          const address = await s.start();
          log.info(
            { admin: `${address.address}:${address.port}`, source: wired.describe, nats: connect.servers, ...(leadership ? { lease: leadership.lease, identity: leadership.identity } : {}) },
            'portway controller is running',
          );
          return s;
        },
        catch: (e) => e,
      }),
      (s) => Effect.promise(() => s.close()),
    );
    void server;
    return yield* Effect.never;
  });
}

/**
 * Warms the source up (its first list: a replica never leads on a partial cache), then campaigns.
 * Taking the Lease starts a term (retried while leading, should NATS be away); losing it ends the
 * term. Transitions run one at a time. Returns the shutdown: the term ends first (no status write
 * after it), then the Lease is released so a standby takes over at once.
 */
async function campaign(
  leadership: Leadership,
  startTerm: () => Promise<Term>,
  endTerm: (t: Term) => Promise<void>,
  setTerm: (t: Term | undefined) => void,
  log: Logger,
): Promise<() => Promise<void>> {
  await leadership.warmUp();
  let current: Term | undefined;
  let closing = false;
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((e: unknown) => log.error({ err: e }, 'leadership transition failed'));
  };
  const follow = async () => {
    const t = current;
    current = undefined;
    setTerm(undefined);
    if (t) {
      log.info({ lease: leadership.lease }, 'not leading: controller stopped, standing by');
      await endTerm(t);
    }
  };
  leadership.campaign({
    lead: () =>
      enqueue(async () => {
        while (!closing && leadership.isLeader() && !current) {
          try {
            current = await startTerm();
            setTerm(current);
            log.info({ lease: leadership.lease, identity: leadership.identity }, 'leading: publishing configs and writing status');
          } catch (e) {
            log.error({ err: (e as Error).message, retryInMs: TERM_RETRY_MS }, 'leading, but the controller could not start');
            await new Promise((r) => setTimeout(r, TERM_RETRY_MS));
          }
        }
        // Leadership was lost while starting.
        if (current && !leadership.isLeader()) await follow();
      }),
    follow: () => enqueue(follow),
  });
  log.info({ lease: leadership.lease, identity: leadership.identity }, 'campaigning for the Lease (standby until it is held)');
  return async () => {
    closing = true;
    enqueue(follow);
    await chain;
    await leadership.stop();
  };
}

export function runControllerUntilSignal(options: ControllerCommandOptions): Promise<void> {
  return runScopedUntilSignal(options.logLevel, 'portway controller', (log) => runController(options, log));
}
