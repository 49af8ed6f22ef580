import type { ApplyResult } from '@portway/proxy';
import type { ShardedApply } from './worker-shards.js';

/**
 * Messages between the agent (primary) and its worker processes, over the cluster IPC channel.
 * An apply carries the manifests of the whole config set and only the shards the worker lacks
 * (see worker-shards.ts); a worker that finds shards missing answers `resend`.
 */
export type ToWorker = ({ type: 'apply'; id: number } & ShardedApply) | { type: 'shutdown' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'applied'; id: number; result: ApplyResult }
  | { type: 'failed'; id: number; message: string }
  | { type: 'resend'; id: number; message: string };

/** Environment variables the primary passes to its workers. */
export const WORKER_ENV = {
  sessionSecret: 'PORTWAY_SESSION_SECRET',
  defaultAddress: 'PORTWAY_DEFAULT_ADDRESS',
  drainTimeoutMs: 'PORTWAY_DRAIN_TIMEOUT_MS',
  logLevel: 'PORTWAY_LOG_LEVEL',
} as const;
