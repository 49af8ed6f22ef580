/**
 * Tagged errors of the NATS bus. They are `Error`s (the plain `Bus` methods reject with them) and
 * effect tagged errors (`Effect.catchTag('NatsConnectError', ...)` in the layer's users).
 */
import { Data } from 'effect';

/** The first connection to the NATS servers failed (unreachable, TLS or authentication refused). */
export class NatsConnectError extends Data.TaggedError('NatsConnectError')<{
  readonly servers: readonly string[];
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** A bus operation failed: which one, on which key, and why. */
export class BusOperationError extends Data.TaggedError('BusOperationError')<{
  readonly operation: string;
  readonly key?: string;
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** A value read from the bus does not decode (bad JSON, wrong shape, hash mismatch). */
export class BusDataError extends Data.TaggedError('BusDataError')<{
  readonly key: string;
  readonly message: string;
}> {}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
