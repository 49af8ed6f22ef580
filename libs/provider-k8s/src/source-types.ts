/**
 * The shapes this package shares with the rest of Portway. The module boundaries let a provider
 * import only `@portway/api`, so the `ResourceSource` contract of `@portway/provider-file` and the
 * `StatusUpdate` of `@portway/status` are restated here; TypeScript's structural typing makes them
 * the same types to the controller (a change there shows up as a type error where the two meet).
 */
import type { AnyObject } from '@portway/api';

/** A problem with one object the API server holds (Portway's admission disagrees with it). */
export interface SourceError {
  /** The object's API path (`/apis/<group>/<version>/namespaces/<ns>/<plural>/<name>`): where it lives, as a file path says for the file source. */
  file: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Path of the offending field (`spec.rules[0].matches[0].path`), when known. */
  path?: string;
  message: string;
}

/** What the source holds at one moment. Unchanged objects keep their identity from one state to the next. */
export interface SourceState {
  /** Admitted objects Portway processes. */
  objects: AnyObject[];
  /** Every current problem. */
  errors: SourceError[];
  /** Increases on every state the source reports. */
  version: number;
}

/** A source of Kubernetes objects that reports its full state on every change (the contract of `@portway/provider-file`). */
export interface ResourceSource {
  /** Loads everything, calls onChange with the initial state, then once per batch of changes. Resolves after the initial call. */
  start(onChange: (state: SourceState) => void): Promise<void>;
  /** Stops watching; no onChange call happens after it resolves. */
  stop(): Promise<void>;
}

/** The status Portway wants an object to have (`StatusUpdate` of `@portway/status`). */
export interface StatusUpdate {
  kind: string;
  namespace?: string;
  name: string;
  status: Record<string, unknown>;
}

/** The logging surface (a pino logger satisfies it). */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
