import { resolve } from 'node:path';
import { Effect } from 'effect';
import { supportedFeatures } from '@portway/api';
import { Agent, InProcessDataPlane, WorkerDataPlane, agentStatusReport, type DataPlane } from '@portway/agent';
import { InProcessBus } from '@portway/bus';
import { AdminServer, Controller } from '@portway/controller';
import { expandAddressPool } from '@portway/graph';
import { createFileSource } from '@portway/provider-file';
import { decodeManifests } from '../decode.js';
import { CONTROLLER_NAME, STANDALONE_AGENT, parseHostPort, supportedRouteKinds } from '../defaults.js';
import type { Logger } from '../logger.js';
import { idleCompactionScope } from '../memory/idle-compaction-scope.js';
import { runScopedUntilSignal } from '../run-scoped.js';

export interface RunOptions {
  file: string;
  workers: number;
  addressPool: string;
  admin: string;
  logLevel: string;
  debounceMs: number;
  /** How long removed listeners and a shutdown let open requests, connections and UDP flows finish (default 30 s). */
  drainTimeoutMs?: number;
}

/**
 * Standalone mode: the file provider, the controller, an in-process bus and an agent with its
 * proxy workers, in one process. Every part is a scoped resource: on SIGINT/SIGTERM they close in
 * reverse order (admin, controller, agent and its workers, bus).
 */
export function runStandalone(options: RunOptions, log: Logger) {
  return Effect.gen(function* () {
    const pool = expandAddressPool(options.addressPool);
    const admin = parseHostPort(options.admin);
    const dir = resolve(options.file);

    const bus = yield* Effect.acquireRelease(
      Effect.sync(() => new InProcessBus((e) => log.error({ err: e }, 'bus handler failed'))),
      (b) => Effect.promise(() => b.close()),
    );

    const dataPlane: DataPlane = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        if (options.workers === 0) {
          return new InProcessDataPlane({
            log: (level, msg, fields) => log[level](fields ?? {}, msg),
            ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
          });
        }
        const workers = new WorkerDataPlane({
          workers: options.workers,
          log,
          logLevel: options.logLevel,
          ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
        });
        await workers.start();
        return workers;
      }),
      (d) => Effect.promise(() => d.close()),
    );

    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const a = new Agent({ name: STANDALONE_AGENT, cluster: '', bus, dataPlane, log: log.child({ component: 'agent' }) });
        a.start();
        return a;
      }),
      (a) => Effect.promise(() => a.stop()),
    );

    const controller = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const c = new Controller({
          source: createFileSource({ dir, decode: decodeManifests, debounceMs: options.debounceMs }),
          bus,
          log: log.child({ component: 'controller' }),
          controllerName: CONTROLLER_NAME,
          cluster: '',
          addressPool: pool,
          agents: [STANDALONE_AGENT],
          routeKinds: supportedRouteKinds(),
          supportedFeatures: supportedFeatures(),
        });
        await c.start();
        return c;
      }),
      (c) => Effect.promise(() => c.stop()),
    );

    yield* Effect.promise(() => agent.ready());

    // Memory back after a large build, at the first quiet moment (see idle-compaction.ts).
    yield* idleCompactionScope(() => controller.counters().builds, log);

    const server = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const s = new AdminServer({
          host: admin.host,
          port: admin.port,
          routes: {
            '/healthz': () => ({ status: 200, body: 'ok' }),
            '/readyz': () =>
              controller.isBuilt() ? { status: 200, body: 'ready' } : { status: 503, body: 'not ready: first build pending' },
            // `agent`: what the data plane serves per Gateway (revision, bound listeners, errors, and the
            // Gateway's spec.infrastructure labels and annotations carried to what it provisions).
            '/status': () => ({
              status: 200,
              body: {
                objects: controller.statusStore.objectsWithStatus(),
                errors: controller.sourceErrors(),
                agent: agentStatusReport(agent, { name: STANDALONE_AGENT, cluster: '', addresses: pool, bus: 'in-process' }),
              },
            }),
            '/config': () => ({ status: 200, body: { configs: controller.currentConfigs() } }),
          },
        });
        const address = await s.start();
        log.info({ admin: `${address.address}:${address.port}`, dir, workers: options.workers, pool: options.addressPool }, 'portway is running');
        return s;
      }),
      (s) => Effect.promise(() => s.close()),
    );
    void server;
    return yield* Effect.never;
  });
}

/** Runs the standalone program until SIGINT or SIGTERM, then closes every resource. */
export function runUntilSignal(options: RunOptions): Promise<void> {
  return runScopedUntilSignal(options.logLevel, 'portway', (log) => runStandalone(options, log));
}
