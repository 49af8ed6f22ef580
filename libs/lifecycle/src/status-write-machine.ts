/**
 * One actor per object whose status Portway writes: a write with retries on conflicts and
 * transient errors, exponential backoff with seeded jitter, giving up after `maxAttempts` tries.
 * WRITE_REQUESTED while a write is in flight is kept as the next write (the latest request wins);
 * during a backoff it replaces the request being retried.
 *
 * The write itself is the `writeStatus` actor, provided by the I/O shell with
 * `statusWriteMachine.provide({ actors: { writeStatus: fromPromise(...) } })`; it rejects with a
 * {@link StatusWriteError} saying whether to retry.
 */
import { assertEvent, assign, emit, fromPromise, setup, type SnapshotFrom } from 'xstate';
import { backoffDelay, nextRandom, type BackoffPolicy } from './backoff.js';
import { classifyStatusWriteError, errorMessage, isRetryable, StatusWriteError, type StatusWriteErrorKind } from './status-write-error.js';

/** The object whose status is written. */
export interface StatusTarget {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** One status to write. */
export interface StatusWriteRequest {
  object: StatusTarget;
  status: unknown;
}

/** What the `writeStatus` actor receives. */
export interface StatusWriteInput {
  request: StatusWriteRequest;
  /** 1 for the first try. */
  attempt: number;
}

export interface StatusWriteMachineInput {
  /** Tries per request before giving up; default 5. */
  maxAttempts?: number;
  /** Default 200 ms. */
  baseDelayMs?: number;
  /** Default 10 s. */
  maxDelayMs?: number;
  /** Extra random share of each delay, 0..1; default 0.2. */
  jitter?: number;
  /** Seed of the jitter's generator (the shell may pass a random one); default 1. */
  seed?: number;
}

export interface StatusWriteContext {
  policy: BackoffPolicy;
  maxAttempts: number;
  /** State of the jitter generator. */
  rng: number;
  /** The request being written or retried. */
  current: StatusWriteRequest | undefined;
  /** A request that came while a write was in flight (the latest wins). */
  next: StatusWriteRequest | undefined;
  /** Tries of the current request so far. */
  attempts: number;
  /** Delay before the next retry. */
  retryDelayMs: number;
  lastError: { kind: StatusWriteErrorKind; message: string } | undefined;
  /** Successful writes so far. */
  written: number;
}

export type StatusWriteEvent = { type: 'WRITE_REQUESTED' } & StatusWriteRequest;

/** Events the machine emits (`actor.on(type, handler)`). */
export type StatusWriteEmitted =
  | { type: 'status.written'; object: StatusTarget; attempts: number }
  | { type: 'status.failed'; object: StatusTarget; attempts: number; error: { kind: StatusWriteErrorKind; message: string } }
  | { type: 'status.dropped'; object: StatusTarget; reason: string };

const errorOf = (event: unknown) => {
  const e = (event as { error?: unknown }).error;
  return { kind: classifyStatusWriteError(e), message: errorMessage(e) };
};

export const statusWriteMachine = setup({
  types: {
    context: {} as StatusWriteContext,
    events: {} as StatusWriteEvent,
    input: {} as StatusWriteMachineInput,
    emitted: {} as StatusWriteEmitted,
  },
  actors: {
    /** Provided by the I/O shell. This default refuses, so a machine without a writer fails loudly instead of pretending to write. */
    writeStatus: fromPromise<void, StatusWriteInput>(async () => {
      throw new StatusWriteError('permanent', 'no status writer: provide actors.writeStatus with statusWriteMachine.provide()');
    }),
  },
  actions: {
    startRequest: assign(({ event }) => {
      assertEvent(event, 'WRITE_REQUESTED');
      return { current: { object: event.object, status: event.status }, next: undefined, attempts: 0, lastError: undefined };
    }),
    startNext: assign(({ context }) => ({ current: context.next, next: undefined, attempts: 0 })),
    queueNext: assign(({ event }) => {
      assertEvent(event, 'WRITE_REQUESTED');
      return { next: { object: event.object, status: event.status } };
    }),
    replaceCurrent: assign(({ event }) => {
      assertEvent(event, 'WRITE_REQUESTED');
      return { current: { object: event.object, status: event.status } };
    }),
    countAttempt: assign(({ context }) => ({ attempts: context.attempts + 1 })),
    recordSuccess: assign(({ context }) => ({ written: context.written + 1, lastError: undefined })),
    recordError: assign(({ event }) => ({ lastError: errorOf(event) })),
    planRetry: assign(({ context }) => {
      const r = nextRandom(context.rng);
      return { rng: r.state, retryDelayMs: backoffDelay(context.policy, context.attempts, r.value) };
    }),
    finish: assign({ current: undefined, next: undefined }),
    emitWritten: emit(({ context }) => ({ type: 'status.written' as const, object: context.current!.object, attempts: context.attempts })),
    emitFailed: emit(({ context, event }) => ({
      type: 'status.failed' as const,
      object: context.current!.object,
      attempts: context.attempts,
      error: errorOf(event),
    })),
    emitDropped: emit(({ context, event }) => ({ type: 'status.dropped' as const, object: context.current!.object, reason: errorOf(event).message })),
  },
  guards: {
    hasNext: ({ context }) => context.next !== undefined,
    isNotFound: ({ event }) => errorOf(event).kind === 'notFound',
    canRetry: ({ context, event }) => isRetryable(errorOf(event).kind) && context.attempts < context.maxAttempts,
  },
  delays: {
    retryDelay: ({ context }) => context.retryDelayMs,
  },
}).createMachine({
  id: 'statusWrite',
  context: ({ input }) => ({
    policy: { baseDelayMs: input.baseDelayMs ?? 200, maxDelayMs: input.maxDelayMs ?? 10_000, jitter: input.jitter ?? 0.2 },
    maxAttempts: Math.max(1, input.maxAttempts ?? 5),
    rng: input.seed ?? 1,
    current: undefined,
    next: undefined,
    attempts: 0,
    retryDelayMs: 0,
    lastError: undefined,
    written: 0,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: { WRITE_REQUESTED: { target: 'writing', actions: 'startRequest' } },
    },
    writing: {
      entry: 'countAttempt',
      invoke: {
        id: 'write',
        src: 'writeStatus',
        input: ({ context }) => ({ request: context.current!, attempt: context.attempts }),
        onDone: [
          { guard: 'hasNext', target: 'writing', reenter: true, actions: ['recordSuccess', 'emitWritten', 'startNext'] },
          { target: 'idle', actions: ['recordSuccess', 'emitWritten', 'finish'] },
        ],
        onError: [
          // The object is gone: nothing to write, including a queued request for it.
          { guard: 'isNotFound', target: 'idle', actions: ['recordError', 'emitDropped', 'finish'] },
          { guard: 'canRetry', target: 'backoff', actions: ['recordError', 'planRetry'] },
          { guard: 'hasNext', target: 'writing', reenter: true, actions: ['recordError', 'emitFailed', 'startNext'] },
          { target: 'failed', actions: ['recordError', 'emitFailed'] },
        ],
      },
      on: { WRITE_REQUESTED: { actions: 'queueNext' } },
    },
    backoff: {
      after: { retryDelay: 'writing' },
      // No write in flight: the newest status is what the retry writes.
      on: { WRITE_REQUESTED: { actions: 'replaceCurrent' } },
    },
    /** Gave up on the last request; a new request starts over. */
    failed: {
      on: { WRITE_REQUESTED: { target: 'writing', actions: 'startRequest' } },
    },
  },
});

export type StatusWriteSnapshot = SnapshotFrom<typeof statusWriteMachine>;

/** Where a status write stands: idle (nothing to do), writing, backoff (waiting to retry) or failed (gave up). */
export function statusWriteState(snapshot: StatusWriteSnapshot): {
  state: 'idle' | 'writing' | 'backoff' | 'failed';
  attempts: number;
  retryDelayMs: number | undefined;
  lastError: StatusWriteContext['lastError'];
} {
  const state = snapshot.value as 'idle' | 'writing' | 'backoff' | 'failed';
  return {
    state,
    attempts: snapshot.context.attempts,
    retryDelayMs: state === 'backoff' ? snapshot.context.retryDelayMs : undefined,
    lastError: snapshot.context.lastError,
  };
}
