import { randomUUID } from 'node:crypto';
import type { LogLine } from '../cluster/workloads.js';
import type { StatusSnapshot } from '../portway/status-client.js';
import type { FromSecret, PemRef } from '../suite/types.js';
import type { Timeouts } from '../util/timeouts.js';

/** One line of the `--trace` file. */
export type TraceEntry = Record<string, unknown>;

/** What a traffic case can use. */
export interface CaseEnv {
  readStatus(): Promise<StatusSnapshot>;
  timeouts: Timeouts;
  /** A key of a Secret (decoded) or ConfigMap in the cluster. */
  readKey(kind: string, namespace: string, name: string, key: string): string | undefined;
  /** Log lines, since `since`, of the pods in `namespace` carrying all `labels`. */
  podLogs(namespace: string, labels: Record<string, string>, since: number): LogLine[];
  /** Records one attempt (goes to the --trace file). */
  trace(entry: TraceEntry): void;
  /** Fresh identifiers (UUIDs); replaceable in tests. */
  uuid?: () => string;
}

/** The outcome of a case. `fatal: false` lets the test go on to its next steps (upstream t.Errorf). */
export interface CaseOutcome {
  ok: boolean;
  why?: string;
  fatal?: boolean;
  attempts?: number;
}

export function newUuid(env: CaseEnv): string {
  return env.uuid ? env.uuid() : randomUUID();
}

/** PEM of a Secret/ConfigMap key; a missing one is an error naming it. */
export function readPem(env: CaseEnv, ref: PemRef, key: string | undefined): string {
  const k = key ?? ref.key ?? (ref.kind === 'Secret' ? 'tls.crt' : 'ca.crt');
  const v = env.readKey(ref.kind, ref.namespace, ref.name, k);
  if (v === undefined) throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} has no key ${k}`);
  return v;
}

/** Resolves `{"$fromSecret": {...}}` to the Secret's value; strings pass through. */
export function resolveValue(env: CaseEnv, v: string | FromSecret | undefined): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  const s = v.$fromSecret;
  const value = env.readKey('Secret', s.namespace, s.name, s.key);
  if (value === undefined) throw new Error(`Secret ${s.namespace}/${s.name} has no key ${s.key}`);
  return value;
}
