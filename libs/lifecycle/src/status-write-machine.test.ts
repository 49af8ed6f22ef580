import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, type EventFromLogic } from 'xstate';
import { backoffDelay, nextRandom } from './backoff.js';
import { StatusWriteError, classifyStatusWriteError } from './status-write-error.js';
import { statusWriteMachine, statusWriteState, type StatusWriteEmitted, type StatusWriteInput } from './status-write-machine.js';
import { emitted, scheduled, spawned, Stepper } from '../test/support.js';

type Ev = EventFromLogic<typeof statusWriteMachine>;
const gw = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'default', name: 'gw' };
const request = (n: number) => ({ type: 'WRITE_REQUESTED', object: gw, status: { n } }) as const;
// What the invoked writer's completion looks like to the machine.
const done = () => ({ type: 'xstate.done.actor.write', output: undefined }) as unknown as Ev;
const fail = (kind: StatusWriteError['kind'], message = `${kind} failure`) =>
  ({ type: 'xstate.error.actor.write', error: new StatusWriteError(kind, message) }) as unknown as Ev;
const writer = () => new Stepper(statusWriteMachine, { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, seed: 7 });
const writeInput = (s: Stepper<typeof statusWriteMachine>) => spawned(s.actions)[0]?.input as StatusWriteInput | undefined;

describe('statusWriteMachine (pure transitions)', () => {
  it('writes a requested status and reports it', () => {
    const s = writer().send(request(1));
    expect(s.value).toBe('writing');
    expect(writeInput(s)).toEqual({ request: { object: gw, status: { n: 1 } }, attempt: 1 });
    s.send(done());
    expect(s.value).toBe('idle');
    expect(emitted(s.actions)).toEqual([{ type: 'status.written', object: gw, attempts: 1 }]);
    expect(s.snapshot.context.written).toBe(1);
  });

  it('retries conflicts and transient errors with exponential backoff and seeded jitter', () => {
    const s = writer().send(request(1)).send(fail('conflict'));
    expect(s.value).toBe('backoff');
    const r1 = nextRandom(7);
    expect(scheduled(s.actions)).toEqual([{ event: 'xstate.after.retryDelay.statusWrite.backoff', delay: backoffDelay({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }, 1, r1.value) }]);
    const first = scheduled(s.actions)[0]!.delay;
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThan(150);
    expect(statusWriteState(s.snapshot)).toMatchObject({ state: 'backoff', attempts: 1, lastError: { kind: 'conflict', message: 'conflict failure' } });
    s.fire('retryDelay');
    expect(s.value).toBe('writing');
    expect(writeInput(s)?.attempt).toBe(2);
    s.send(fail('transient'));
    const second = scheduled(s.actions)[0]!.delay;
    expect(second).toBeGreaterThanOrEqual(200);
    expect(second).toBeLessThan(300);
    s.fire('retryDelay').send(done());
    expect(s.value).toBe('idle');
    expect(emitted(s.actions)).toEqual([{ type: 'status.written', object: gw, attempts: 3 }]);
  });

  it('the same seed gives the same delays; another seed other delays', () => {
    const delays = (seed: number) => {
      const s = new Stepper(statusWriteMachine, { maxAttempts: 10, baseDelayMs: 100, jitter: 1, seed }).send(request(1));
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        s.send(fail('transient'));
        out.push(scheduled(s.actions)[0]!.delay);
        s.fire('retryDelay');
      }
      return out;
    };
    expect(delays(3)).toEqual(delays(3));
    expect(delays(3)).not.toEqual(delays(4));
  });

  it('gives up after maxAttempts tries and reports the failure; a new request starts over', () => {
    const s = writer().send(request(1)).send(fail('conflict')).fire('retryDelay').send(fail('conflict')).fire('retryDelay');
    expect(writeInput(s)?.attempt).toBe(3);
    s.send(fail('conflict', 'still conflicting'));
    expect(s.value).toBe('failed');
    expect(emitted(s.actions)).toEqual([
      { type: 'status.failed', object: gw, attempts: 3, error: { kind: 'conflict', message: 'still conflicting' } },
    ]);
    s.send(request(2));
    expect(s.value).toBe('writing');
    expect(writeInput(s)).toEqual({ request: { object: gw, status: { n: 2 } }, attempt: 1 });
  });

  it('does not retry a permanent error, and drops the write of an object that is gone', () => {
    const s = writer().send(request(1)).send(fail('permanent', 'forbidden'));
    expect(s.value).toBe('failed');
    expect(emitted(s.actions)[0]).toMatchObject({ type: 'status.failed', attempts: 1, error: { kind: 'permanent' } });
    const t = writer().send(request(1)).send(request(2)).send(fail('notFound', 'gateways "gw" not found'));
    expect(t.value).toBe('idle');
    expect(emitted(t.actions)).toEqual([{ type: 'status.dropped', object: gw, reason: 'gateways "gw" not found' }]);
    expect(t.snapshot.context.next).toBeUndefined();
  });

  it('coalesces requests while a write is in flight: the latest wins', () => {
    const s = writer().send(request(1)).send(request(2)).send(request(3)).send(request(4));
    expect(spawned(s.actions)).toEqual([]); // no second write while one is in flight
    s.send(done());
    expect(s.value).toBe('writing');
    expect(writeInput(s)).toEqual({ request: { object: gw, status: { n: 4 } }, attempt: 1 });
    s.send(done());
    expect(s.value).toBe('idle');
    expect(s.snapshot.context.written).toBe(2);
  });

  it('a request during backoff replaces the one being retried; after giving up, a queued request is written', () => {
    const s = writer().send(request(1)).send(fail('transient'));
    const timer = s.actions;
    s.send(request(2));
    expect(s.value).toBe('backoff');
    s.fire('retryDelay', timer);
    expect(writeInput(s)).toEqual({ request: { object: gw, status: { n: 2 } }, attempt: 2 });
    const t = new Stepper(statusWriteMachine, { maxAttempts: 1 }).send(request(1)).send(request(2)).send(fail('transient'));
    expect(t.value).toBe('writing');
    expect(emitted(t.actions)[0]).toMatchObject({ type: 'status.failed' });
    expect(writeInput(t)).toEqual({ request: { object: gw, status: { n: 2 } }, attempt: 1 });
  });

  it('classifies unknown errors as transient', () => {
    expect(classifyStatusWriteError(new Error('ECONNRESET'))).toBe('transient');
    expect(classifyStatusWriteError({ kind: 'conflict' })).toBe('conflict');
    expect(classifyStatusWriteError(undefined)).toBe('transient');
  });
});

describe('statusWriteMachine (actor with a simulated clock)', () => {
  const flush = () => new Promise<void>((r) => setImmediate(r));

  it('retries a real writer on the simulated clock and reports the outcome', async () => {
    const clock = new SimulatedClock();
    const calls: { at: number; attempt: number; status: unknown }[] = [];
    const machine = statusWriteMachine.provide({
      actors: {
        writeStatus: fromPromise<void, StatusWriteInput>(async ({ input }) => {
          calls.push({ at: clock.now(), attempt: input.attempt, status: input.request.status });
          if (input.attempt < 3) throw new StatusWriteError('conflict', 'the object has been modified');
        }),
      },
    });
    const actor = createActor(machine, { clock, input: { baseDelayMs: 100, jitter: 0 } });
    const events: StatusWriteEmitted[] = [];
    actor.on('*', (e) => events.push(e as StatusWriteEmitted));
    actor.start();
    actor.send(request(1));
    await flush();
    expect(statusWriteState(actor.getSnapshot())).toMatchObject({ state: 'backoff', retryDelayMs: 100 });
    clock.increment(99);
    await flush();
    expect(calls).toHaveLength(1);
    clock.increment(1);
    await flush();
    expect(statusWriteState(actor.getSnapshot())).toMatchObject({ state: 'backoff', retryDelayMs: 200 });
    clock.increment(200);
    await flush();
    expect(calls).toEqual([
      { at: 0, attempt: 1, status: { n: 1 } },
      { at: 100, attempt: 2, status: { n: 1 } },
      { at: 300, attempt: 3, status: { n: 1 } },
    ]);
    expect(actor.getSnapshot().value).toBe('idle');
    expect(events).toEqual([{ type: 'status.written', object: gw, attempts: 3 }]);
    actor.stop();
  });

  it('fails loudly when no writer was provided', async () => {
    const actor = createActor(statusWriteMachine, { input: {} }).start();
    actor.send(request(1));
    await flush();
    expect(statusWriteState(actor.getSnapshot())).toMatchObject({ state: 'failed', lastError: { kind: 'permanent' } });
    expect(actor.getSnapshot().context.lastError?.message).toMatch(/provide actors.writeStatus/);
    actor.stop();
  });
});
