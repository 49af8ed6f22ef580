import { initialTransition, transition, type AnyStateMachine, type EventFromLogic, type InputFrom, type SnapshotFrom } from 'xstate';

/** An action as `transition()` returns it, as far as the tests read it. */
interface ActionLike {
  type: string;
  params?: unknown;
}

/** Delayed events a transition scheduled (`after` delays), with their delays. */
export function scheduled(actions: readonly unknown[]): { event: string; delay: number }[] {
  return (actions as ActionLike[])
    .filter((a) => a.type === 'xstate.raise' && typeof (a.params as { delay?: unknown })?.delay === 'number')
    .map((a) => {
      const p = a.params as { event: { type: string }; delay: number };
      return { event: p.event.type, delay: p.delay };
    });
}

/** Events a transition emitted (`emit` actions). */
export function emitted(actions: readonly unknown[]): { type: string; [k: string]: unknown }[] {
  return (actions as ActionLike[])
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: { type: string } }).event);
}

/** Child actors a transition started (`invoke`), with their inputs. */
export function spawned(actions: readonly unknown[]): { src: unknown; id: string; input: unknown }[] {
  return (actions as ActionLike[])
    .filter((a) => a.type === 'xstate.spawnChild')
    .map((a) => a.params as { src: unknown; id: string; input: unknown });
}

/** Steps a machine through events with pure transitions, keeping the last snapshot and actions. */
export class Stepper<M extends AnyStateMachine> {
  snapshot: SnapshotFrom<M>;
  actions: unknown[];

  constructor(
    readonly machine: M,
    input: InputFrom<M>,
  ) {
    const [s, a] = (initialTransition as (m: M, i: InputFrom<M>) => [SnapshotFrom<M>, unknown[]])(machine, input);
    this.snapshot = s;
    this.actions = a;
  }

  send(event: EventFromLogic<M>): this {
    const [s, a] = transition(this.machine, this.snapshot, event);
    this.snapshot = s;
    this.actions = a;
    return this;
  }

  /** Sends the delayed event the last transitions scheduled under `delayName`, as the clock would. */
  fire(delayName: string, from: unknown[] = this.actions): this {
    const t = scheduled(from).find((x) => x.event.startsWith(`xstate.after.${delayName}.`));
    if (!t) throw new Error(`no "${delayName}" delay scheduled by the last transition`);
    return this.send({ type: t.event } as EventFromLogic<M>);
  }

  get value(): unknown {
    return (this.snapshot as { value: unknown }).value;
  }

  matches(state: string): boolean {
    return (this.snapshot as unknown as { matches(s: string): boolean }).matches(state);
  }
}
