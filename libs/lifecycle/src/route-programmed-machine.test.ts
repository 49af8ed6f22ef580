import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { routeParentProgress, routeProgrammedMachine, routeProgrammedParents } from './route-programmed-machine.js';
import { Stepper } from '../test/support.js';

const route = () => new Stepper(routeProgrammedMachine, { route: 'HTTPRoute default/r' });
const evaluated = (generation: number, parents: string[]) => ({ type: 'ROUTE_EVALUATED', generation, parents }) as const;
const publishedOn = (parent: string, revision: number, routeGeneration?: number) =>
  ({ type: 'GATEWAY_PUBLISHED', parent, revision, ...(routeGeneration === undefined ? {} : { routeGeneration }) }) as const;
const served = (parent: string, revision?: number) => ({ type: 'GATEWAY_SERVED', parent, ...(revision === undefined ? {} : { revision }) }) as const;

describe('routeProgrammedMachine (pure transitions)', () => {
  it('is programmed on a parent once a served revision carries its current generation', () => {
    const s = route().send(evaluated(1, ['default/gw']));
    expect(s.value).toBe('pending');
    expect(routeParentProgress(s.snapshot, 'default/gw')?.condition).toMatchObject({ status: 'False', reason: 'Pending', observedGeneration: 1 });
    s.send(publishedOn('default/gw', 5, 1));
    expect(routeParentProgress(s.snapshot, 'default/gw')?.condition.message).toBe('Waiting for the agents of Gateway default/gw to serve revision 5');
    s.send(served('default/gw', 4));
    expect(s.value).toBe('pending');
    s.send(served('default/gw', 5));
    expect(s.value).toBe('programmed');
    expect(routeParentProgress(s.snapshot, 'default/gw')?.condition).toEqual({
      status: 'True',
      reason: 'Programmed',
      message: 'Gateway default/gw serves revision 5, which carries generation 1',
      observedGeneration: 1,
    });
  });

  it('tracks each parent separately', () => {
    const s = route().send(evaluated(1, ['default/a', 'default/b']));
    s.send(publishedOn('default/a', 2, 1)).send(served('default/a', 2));
    expect(s.value).toBe('pending');
    expect(routeProgrammedParents(s.snapshot)).toEqual(['default/a']);
    s.send(publishedOn('default/b', 9, 1)).send(served('default/b', 9));
    expect(s.value).toBe('programmed');
    expect(routeProgrammedParents(s.snapshot)).toEqual(['default/a', 'default/b']);
  });

  it('a new generation waits for a revision that carries it; the old served revision does not count', () => {
    const s = route().send(evaluated(1, ['default/gw'])).send(publishedOn('default/gw', 5, 1)).send(served('default/gw', 5));
    expect(s.value).toBe('programmed');
    s.send(evaluated(2, ['default/gw']));
    expect(s.value).toBe('pending');
    expect(routeParentProgress(s.snapshot, 'default/gw')?.condition).toMatchObject({ observedGeneration: 2, message: 'Waiting for Gateway default/gw to publish generation 2' });
    s.send(publishedOn('default/gw', 6, 2));
    expect(s.value).toBe('pending');
    s.send(served('default/gw', 6));
    expect(s.value).toBe('programmed');
  });

  it('a later revision still carrying the generation keeps it programmed; one without the route does not', () => {
    const s = route().send(evaluated(1, ['default/gw'])).send(publishedOn('default/gw', 5, 1)).send(served('default/gw', 5));
    s.send(publishedOn('default/gw', 6, 1)).send(served('default/gw', 6));
    expect(s.value).toBe('programmed');
    expect(routeParentProgress(s.snapshot, 'default/gw')?.includedIn).toBe(5);
    s.send(publishedOn('default/gw', 7));
    expect(s.value).toBe('pending');
    // An older publication arriving late is ignored.
    s.send(publishedOn('default/gw', 6, 1));
    expect(routeParentProgress(s.snapshot, 'default/gw')?.includedIn).toBeUndefined();
  });

  it('goes back to pending when the parent no longer serves any revision fully', () => {
    const s = route().send(evaluated(1, ['default/gw'])).send(publishedOn('default/gw', 5, 1)).send(served('default/gw', 5));
    s.send(served('default/gw'));
    expect(s.value).toBe('pending');
  });

  it('is detached without parents, ignores stale evaluations and unknown parents', () => {
    const s = route().send(evaluated(2, []));
    expect(s.value).toBe('detached');
    const before = s.snapshot;
    s.send(evaluated(1, ['default/gw']));
    s.send(publishedOn('default/other', 1, 2));
    s.send(served('default/other', 1));
    expect(s.snapshot).toBe(before);
    s.send(evaluated(2, ['default/gw']));
    expect(s.value).toBe('pending');
    s.send(evaluated(2, []));
    expect(s.value).toBe('detached');
    expect(s.snapshot.context.parents).toEqual({});
  });
});

describe('routeProgrammedMachine (actor)', () => {
  it('runs as an actor on a simulated clock', () => {
    const clock = new SimulatedClock();
    const actor = createActor(routeProgrammedMachine, { clock, input: { route: 'HTTPRoute default/r' } }).start();
    const seen: unknown[] = [];
    actor.subscribe((s) => seen.push(s.value));
    actor.send(evaluated(1, ['default/gw']));
    actor.send(publishedOn('default/gw', 1, 1));
    clock.increment(60_000); // no timers: nothing happens with time alone
    expect(actor.getSnapshot().value).toBe('pending');
    actor.send(served('default/gw', 1));
    expect(actor.getSnapshot().value).toBe('programmed');
    expect(seen).toEqual(['pending', 'pending', 'programmed']);
    actor.stop();
  });
});
