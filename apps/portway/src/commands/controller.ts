import { Effect } from 'effect';
import { supportedFeatures } from '@portway/api';
import { NatsBus } from '@portway/bus';
import { AdminServer, Controller, parsePlacementRules } from '@portway/controller';
import { CONTROLLER_NAME, parseHostPort, supportedRouteKinds } from '../defaults.js';
import { historyAdminRoutes } from '../history/admin-routes.js';
import { natsHistory } from '../history/nats-history.js';
import type { Logger } from '../logger.js';
import { natsConnectOptions, type NatsCliOptions } from '../nats-options.js';
import { createResourceSource, type ProviderName } from '../resource-source.js';
import { runScopedUntilSignal } from '../run-scoped.js';

export interface ControllerCommandOptions extends NatsCliOptions {
  provider: ProviderName;
  file?: string;
  kubeconfig?: string;
  admin: string;
  clusterPlacement: string[];
  logLevel: string;
  debounceMs: number;
  ackTimeoutMs: number;
  agentStaleMs: number;
  agentGoneMs: number;
  discoveryMs: number;
  history: number;
}

/**
 * `portway controller`: the hub. Reads the provider's objects, publishes one config per Gateway
 * and cluster to NATS, learns clusters and agents from their heartbeats, and computes status
 * (Programmed from the agents' acks). Resources are scoped: on SIGINT/SIGTERM the admin server,
 * the controller (source and status writer) and the NATS connection close in reverse order.
 */
export function runController(options: ControllerCommandOptions, log: Logger) {
  return Effect.gen(function* () {
    // Bad input is reported before anything starts.
    const placement = parsePlacementRules(options.clusterPlacement);
    const admin = parseHostPort(options.admin);
    const connect = natsConnectOptions(options);
    if (options.agentGoneMs < options.agentStaleMs) throw new Error('--agent-gone-ms must be at least --agent-stale-ms');

    const wired = yield* Effect.tryPromise({ try: () => createResourceSource(options, log), catch: (e) => e });
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

    const controller = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const c = new Controller({
            source: wired.source,
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
            },
          });
          await c.start();
          return c;
        },
        catch: (e) => e,
      }),
      (c) => Effect.promise(() => c.stop()),
    );
    yield* Effect.acquireRelease(
      Effect.promise(() => wired.attach(controller)),
      (detach) => Effect.promise(() => detach()),
    );

    const history = natsHistory(bus);
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const s = new AdminServer({
            host: admin.host,
            port: admin.port,
            routes: {
              '/healthz': () => ({ status: 200, body: 'ok' }),
              '/readyz': () => (controller.isBuilt() ? { status: 200, body: 'ready' } : { status: 503, body: 'not ready: first build pending' }),
              '/status': () => ({ status: 200, body: { objects: controller.statusStore.objectsWithStatus(), errors: controller.sourceErrors() } }),
              '/config': () => ({ status: 200, body: { configs: controller.currentConfigs() } }),
              '/agents': async () => ({ status: 200, body: await controller.topology() }),
              '/programmed': () => ({ status: 200, body: controller.programmedByCluster() }),
              '/counters': () => ({ status: 200, body: { controller: controller.counters(), bus: bus.stats() } }),
              ...historyAdminRoutes(history),
            },
          });
          const address = await s.start();
          log.info({ admin: `${address.address}:${address.port}`, source: wired.describe, nats: connect.servers }, 'portway controller is running');
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

export function runControllerUntilSignal(options: ControllerCommandOptions): Promise<void> {
  return runScopedUntilSignal(options.logLevel, 'portway controller', (log) => runController(options, log));
}
