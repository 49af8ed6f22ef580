import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult } from '@portway/proxy';

/** Messages between the agent (primary) and its worker processes, over the cluster IPC channel. */
export type ToWorker = { type: 'apply'; id: number; configs: GatewayConfig[] } | { type: 'shutdown' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'applied'; id: number; result: ApplyResult }
  | { type: 'failed'; id: number; message: string };

/** Environment variables the primary passes to its workers. */
export const WORKER_ENV = {
  sessionSecret: 'PORTWAY_SESSION_SECRET',
  defaultAddress: 'PORTWAY_DEFAULT_ADDRESS',
  drainTimeoutMs: 'PORTWAY_DRAIN_TIMEOUT_MS',
  logLevel: 'PORTWAY_LOG_LEVEL',
} as const;
