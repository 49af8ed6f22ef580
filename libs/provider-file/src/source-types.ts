import type { AnyObject } from '@portway/api';

/**
 * A problem with one file or one object in it. Errors are part of the state: they stay as long as
 * their cause is in the folder and clear when it is fixed.
 */
export interface SourceError {
  /** The file's path: the source folder joined with the path inside it. */
  file: string;
  /** Index of the YAML document in the file (0-based), when the error belongs to one document. */
  index?: number;
  /** 1-based line in the file, when known. */
  line?: number;
  /** The object's kind, namespace and name, when the error belongs to an identified object. */
  kind?: string;
  namespace?: string;
  name?: string;
  /** Path of the offending field inside the object (e.g. `spec.listeners[0].port`), when known. */
  path?: string;
  message: string;
}

/** What a source holds at one moment. Objects are not to be mutated: unchanged objects keep their identity from one state to the next. */
export interface SourceState {
  /** Admitted objects, in file path order then document order, with uid, generation, resourceVersion and creationTimestamp filled in. */
  objects: AnyObject[];
  /** Every current problem, in file path order. */
  errors: SourceError[];
  /** Increases on every state the source reports. */
  version: number;
}

/**
 * Turns one file's text into admitted objects (parsed, defaulted, validated) and errors. The
 * controller passes `parseManifests` from `@portway/api`. An error that names an object (`kind` and
 * `name`) is an object error: that object keeps its last good version. Any other error is a file
 * error: the objects of the file the decoder could not account for keep their last good version.
 */
export type Decode = (
  text: string,
  file: string,
) => { objects: { object: AnyObject; index: number }[]; errors: SourceError[] };

/** Options of {@link createFileSource}. */
export interface FileSourceOptions {
  /** The folder to read, recursively: `*.yaml`, `*.yml`, `*.json`; hidden files and folders and editor temp files are ignored. */
  dir: string;
  decode: Decode;
  /** Quiet time after the last file event before a batch is read. Default 50 ms. */
  debounceMs?: number;
  /** Longest a batch waits while events keep coming. Default 10 × debounceMs. */
  maxWaitMs?: number;
  /**
   * How long a file that disappeared or became empty keeps its objects before that is believed:
   * editors that save by renaming leave a moment where the file is missing. Default max(250 ms, 4 × debounceMs).
   */
  graceMs?: number;
  /** Interval of a full re-scan that catches events the watcher missed; 0 turns it off. Default 10 s. */
  resyncMs?: number;
  /** Clock for `creationTimestamp`. Default: the system clock. */
  now?: () => Date;
  /** uid generator. Default: random UUIDs. */
  newUid?: () => string;
}

/** A source of Kubernetes-style objects that reports its full state on every change. */
export interface ResourceSource {
  /** Loads everything, calls onChange with the initial state, then once per (debounced) batch of changes. Resolves after the initial call. */
  start(onChange: (state: SourceState) => void): Promise<void>;
  /** Stops watching; no onChange call happens after it resolves. */
  stop(): Promise<void>;
}
