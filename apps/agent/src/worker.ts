/**
 * Entry point of a proxy worker process (forked by WorkerDataPlane through node:cluster). It
 * serves what the primary tells it to: every `apply` message replaces the whole config set,
 * sent as manifests plus the shards this worker lacks and assembled here from its shard cache
 * (in message order, so the cache follows the primary's view of it). Listening sockets are
 * shared with the other workers through the cluster module.
 */
import { Proxy } from '@portway/proxy';
import pino from 'pino';
import { eastWestFromWorkerEnv } from './east-west/east-west-worker-env.js';
import { receiveWorkerHealth } from './health/worker-health-channel.js';
import { WORKER_ENV, type FromWorker, type ToWorker } from './worker-protocol.js';
import { ShardCacheError, ShardInbox } from './worker-shards.js';

const log = pino({ level: process.env[WORKER_ENV.logLevel] ?? 'info', base: { worker: process.pid } });
const proxy = new Proxy({
  sessionSecret: process.env[WORKER_ENV.sessionSecret] ?? '',
  defaultAddress: process.env[WORKER_ENV.defaultAddress] ?? '127.0.0.1',
  drainTimeoutMs: Number(process.env[WORKER_ENV.drainTimeoutMs] ?? 30_000),
  log: (level, msg, fields) => log[level](fields ?? {}, msg),
  ...eastWestOption(),
});

/** The ClusterSet client certificate for endpoints behind other clusters' east-west gateways. */
function eastWestOption() {
  const eastWest = eastWestFromWorkerEnv(process.env);
  return eastWest !== undefined ? { eastWest } : {};
}

const send = (m: FromWorker) => process.send?.(m);
// Active health results from the primary: endpoints leave or rejoin rotation at once.
receiveWorkerHealth(proxy);
const inbox = new ShardInbox();

process.on('message', (m: ToWorker) => {
  if (m.type === 'apply') {
    let configs;
    try {
      // Synchronously, in message order: the next apply's shards are relative to this one's.
      configs = inbox.receive(m);
    } catch (e) {
      const message = (e as Error).message;
      log.warn({ err: e }, 'cannot assemble the configs sent; nothing applied');
      send(e instanceof ShardCacheError && e.resend ? { type: 'resend', id: m.id, message } : { type: 'failed', id: m.id, message });
      return;
    }
    proxy.apply(configs).then(
      (result) => send({ type: 'applied', id: m.id, result }),
      (e: unknown) => send({ type: 'failed', id: m.id, message: (e as Error).message }),
    );
  } else if (m.type === 'shutdown') {
    void proxy.close().finally(() => process.exit(0));
  }
});
// The primary's IPC channel closing means it is gone: do not outlive it.
process.on('disconnect', () => void proxy.close().finally(() => process.exit(0)));
send({ type: 'ready' });
