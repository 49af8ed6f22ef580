import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig } from '@portway/ir';
import type { ApplyResult, EastWestClientTls } from '@portway/proxy';
import { mergeResults, type DataPlane } from './data-plane.js';
import { WORKER_ENV, type FromWorker, type ToWorker } from './worker-protocol.js';
import type { Log } from './log.js';
import { eastWestWorkerEnv } from './east-west/east-west-worker-env.js';
import type { EndpointHealthUpdate } from './health/health-monitor.js';
import { WorkerHealthChannel } from './health/worker-health-channel.js';
import { ShardOutbox } from './worker-shards.js';

export interface WorkerDataPlaneOptions {
  workers: number;
  defaultAddress?: string;
  drainTimeoutMs?: number;
  logLevel?: string;
  log: Log;
  /** Worker entry script; default: worker.js next to this module (the built agent). */
  workerScript?: string;
  /** How long to wait for every worker to answer an apply. */
  applyTimeoutMs?: number;
  /** ClusterSet client certificate the workers present to other clusters' east-west gateways. */
  eastWest?: EastWestClientTls;
  /**
   * Largest semi-space of a worker's young generation, MiB (V8's `--max-semi-space-size`;
   * default {@link WORKER_SEMI_SPACE_MIB}). A worker's young objects are requests' short-lived
   * garbage and, once per apply, the decoding of what it was sent: with V8's default (16 MiB) a
   * large apply leaves the young generation grown for good, up to 48 MiB resident per worker.
   */
  semiSpaceMiB?: number;
}

/** Default semi-space of a worker (see {@link WorkerDataPlaneOptions.semiSpaceMiB}). */
export const WORKER_SEMI_SPACE_MIB = 2;

interface Pending {
  /** The config set of this apply (a worker that asks for a resend gets all of it again). */
  configs: readonly GatewayConfig[];
  /** Workers that must answer (those ready when the apply was sent and still alive). */
  targets: Set<number>;
  results: Map<number, ApplyResult>;
  resolve: (r: ApplyResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs the proxy in N worker processes sharing the listening sockets (node:cluster). Every
 * apply goes to all workers, and resolves when each of them serves the new config set, so acks
 * report what every worker serves. A worker that dies is replaced and given the current set
 * before it counts again. Configs travel as shards, each worker receiving only those it does not
 * hold (see worker-shards.ts): an edit costs the IPC of what it changed, not of the whole set.
 */
export class WorkerDataPlane implements DataPlane {
  private readonly workers = new Set<Worker>();
  private readonly ready = new Set<Worker>();
  private readonly pending = new Map<number, Pending>();
  private current: GatewayConfig[] = [];
  private readonly outbox = new ShardOutbox();
  private nextId = 1;
  private closing = false;
  private readonly secret = randomBytes(32).toString('hex');
  private readonly health = new WorkerHealthChannel();

  constructor(private readonly options: WorkerDataPlaneOptions) {
    if (!cluster.isPrimary) throw new Error('WorkerDataPlane must run in the primary process');
    cluster.setupPrimary({
      exec: options.workerScript ?? fileURLToPath(new URL('./worker.js', import.meta.url)),
      silent: false,
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size')), `--max-semi-space-size=${options.semiSpaceMiB ?? WORKER_SEMI_SPACE_MIB}`],
    });
  }

  /** Forks the workers and waits until each is ready. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.workers }, () => this.fork()));
  }

  private fork(): Promise<void> {
    const worker = cluster.fork({
      [WORKER_ENV.sessionSecret]: this.secret,
      [WORKER_ENV.defaultAddress]: this.options.defaultAddress ?? '127.0.0.1',
      [WORKER_ENV.drainTimeoutMs]: String(this.options.drainTimeoutMs ?? 30_000),
      [WORKER_ENV.logLevel]: this.options.logLevel ?? 'info',
      ...eastWestWorkerEnv(this.options.eastWest),
    });
    this.workers.add(worker);
    return new Promise((resolve) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          // A replacement worker first gets the current set, then counts for applies.
          if (this.current.length > 0) this.sendApply([worker], this.nextId++, this.current);
          this.ready.add(worker);
          resolve();
        } else if (m.type === 'resend') {
          // The worker lacked shards (it emptied its cache): everything again, same apply.
          this.outbox.forget(worker.id);
          const p = this.pending.get(m.id);
          this.options.log.warn({ pid: worker.process.pid, message: m.message }, 'proxy worker asked for the whole config set again');
          // Without a pending apply it was a replacement worker's first one: the current set.
          if (this.workers.has(worker)) this.sendApply([worker], m.id, p ? p.configs : this.current);
        } else if (m.type === 'applied' || m.type === 'failed') {
          if (m.type === 'failed') this.outbox.forget(worker.id);
          const p = this.pending.get(m.id);
          if (!p) return;
          if (m.type === 'failed') {
            this.finish(m.id, new Error(`worker ${worker.process.pid}: ${m.message}`));
            return;
          }
          p.results.set(worker.id, m.result);
          this.settleIfComplete(m.id);
        }
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        this.outbox.forget(worker.id);
        this.ready.delete(worker);
        for (const [id, p] of this.pending) {
          p.targets.delete(worker.id);
          this.settleIfComplete(id);
        }
        if (this.closing) return;
        this.options.log.warn({ pid: worker.process.pid, code, signal }, 'proxy worker exited; starting a replacement');
        void this.fork();
      });
    });
  }

  apply(configs: GatewayConfig[]): Promise<ApplyResult> {
    this.current = configs;
    const id = this.nextId++;
    const targets = [...this.ready];
    return new Promise<ApplyResult>((resolve, reject) => {
      const timer = setTimeout(() => this.finish(id, new Error('workers did not answer in time')), this.options.applyTimeoutMs ?? 30_000);
      this.pending.set(id, { configs, targets: new Set(targets.map((w) => w.id)), results: new Map(), resolve, reject, timer });
      if (targets.length === 0) {
        this.finish(id, new Error('no proxy worker is running'));
        return;
      }
      try {
        this.sendApply(targets, id, configs);
      } catch (e) {
        this.finish(id, e as Error);
      }
    });
  }

  /** Shards `configs` once for `workers` and sends each the shards it lacks. */
  private sendApply(workers: readonly Worker[], id: number, configs: readonly GatewayConfig[]): void {
    const prepared = this.outbox.prepare(configs, workers.map((w) => w.id));
    for (const w of workers) w.send({ type: 'apply', id, ...this.outbox.messageFor(w.id, prepared) } satisfies ToWorker);
  }

  private settleIfComplete(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    const targets = [...p.targets];
    if (targets.length === 0) {
      this.finish(id, new Error('every proxy worker exited during the apply'));
    } else if (targets.every((wid) => p.results.has(wid))) {
      this.finish(id, mergeResults(targets.map((wid) => p.results.get(wid)!)));
    }
  }

  private finish(id: number, outcome: ApplyResult | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** Active health results: to every worker now, and the whole state to each worker when it is ready. */
  setEndpointHealth(updates: readonly EndpointHealthUpdate[]): void {
    this.health.publish(updates);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.health.close();
    const exits = [...this.workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          w.send({ type: 'shutdown' } satisfies ToWorker);
        }),
    );
    await Promise.all(exits);
  }
}
