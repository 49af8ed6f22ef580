import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { Effect } from 'effect';
import { Agent, InProcessDataPlane, WorkerDataPlane, agentStatusReport, type DataPlane } from '@portway/agent';
import { NatsBus, agentInboxPrefix } from '@portway/bus';
import { AdminServer } from '@portway/controller';
import { parseHostPort } from '../defaults.js';
import type { Logger } from '../logger.js';
import { natsConnectOptions, type NatsCliOptions } from '../nats-options.js';
import { runScopedUntilSignal } from '../run-scoped.js';

export interface AgentCommandOptions extends NatsCliOptions {
  cluster: string;
  name?: string;
  address: string;
  workers: number;
  admin: string;
  logLevel: string;
  heartbeatMs: number;
  drainTimeoutMs: number;
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
    const connect = natsConnectOptions(options);
    const name = options.name ?? defaultAgentName(options.address);
    const agentLog = log.child({ component: 'agent', cluster: options.cluster, agent: name });
    let busState = 'connecting';

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
                  ? { status: 200, body: agentStatusReport(agent, { name, cluster: options.cluster, addresses: [options.address], bus: busState }) }
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

    const bus = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          NatsBus.connect({
            ...connect,
            // NATS clients commonly retry every 2 s; a spoke should not wait longer to catch up.
            reconnectBackoff: { minMs: 250, maxMs: 2_000 },
            name: `portway-agent ${options.cluster}/${name}`,
            inboxPrefix: agentInboxPrefix(options.cluster),
            onStatus: (s) => {
              if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'reconnecting' || s.type === 'close') busState = s.type === 'reconnect' ? 'connected' : s.type;
              if (s.type !== 'ping' && s.type !== 'reconnecting') agentLog.info({ nats: s }, 'nats connection');
            },
            onError: (e) => agentLog.warn({ err: e }, 'bus'),
          }),
        catch: (e) => e,
      }),
      (b) => Effect.promise(() => b.close()),
    );
    busState = 'connected';

    const dataPlane: DataPlane = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          if (options.workers === 0) {
            return new InProcessDataPlane({ defaultAddress: options.address, drainTimeoutMs: options.drainTimeoutMs, log: (level, msg, fields) => agentLog[level](fields ?? {}, msg) });
          }
          const workers = new WorkerDataPlane({ workers: options.workers, defaultAddress: options.address, drainTimeoutMs: options.drainTimeoutMs, log: agentLog, logLevel: options.logLevel });
          await workers.start();
          return workers;
        },
        catch: (e) => e,
      }),
      (d) => Effect.promise(() => d.close()),
    );

    // Stopping the agent says goodbye on the bus and closes the data plane (listeners drain).
    agent = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const a = new Agent({ name, cluster: options.cluster, bus, dataPlane, log: agentLog, heartbeatMs: options.heartbeatMs, addresses: [options.address] });
        a.start();
        return a;
      }),
      (a) => Effect.promise(() => a.stop()),
    );
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
