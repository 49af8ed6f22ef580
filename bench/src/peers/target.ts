/** A proxy under test, as every benchmark drives it. */
import type { Child } from '../lib/processes.js';
import type { BenchRequest } from '../lib/route-config.js';

export interface TargetOptions {
  /** Worker processes (threads for the haproxy peer, which has no processes mode any more). */
  workers: number;
  /** CPU list for taskset, or undefined. */
  cpus?: string;
  /** The request every load generator sends (Portway routes it; the peers proxy anything). */
  request: BenchRequest;
}

/** A started target: where to send requests, and how to stop it. */
export interface RunningTarget {
  readonly name: string;
  /** e.g. "http://127.0.91.1:8000". */
  readonly origin: string;
  /** Path and headers every load generator sends (the same for every target). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The root process (its tree holds the workers). */
  readonly child: Child;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: string;
  start(o: TargetOptions): Promise<RunningTarget>;
}
