/**
 * One actor per route: whether each parent Gateway serves the route's current generation. The
 * route is programmed on a parent when a revision of that Gateway carrying the route's current
 * generation is served by every agent of the Gateway (the Gateway actor reached `programmed`).
 *
 * The controller sends ROUTE_EVALUATED after each graph evaluation (the parents the route is
 * attached to), GATEWAY_PUBLISHED for each publication of a parent (with the route generation it
 * carries, if any) and GATEWAY_SERVED when the revision a parent's agents all serve changes.
 */
import { assertEvent, assign, not, setup, type SnapshotFrom } from 'xstate';
import type { ProgrammedCondition } from './programmed-types.js';

export interface RouteProgrammedInput {
  /** "Kind namespace/name", for messages. */
  route: string;
}

/** A route's progress on one parent Gateway. */
export interface ParentProgress {
  /** The parent Gateway, "namespace/name". */
  parent: string;
  /** The earliest revision of the parent, in its unbroken run of latest publications, that carries the route's current generation. */
  includedIn: number | undefined;
  /** The parent's latest publication seen. */
  lastPublished: number | undefined;
  /** The revision every agent of the parent serves, if any. */
  served: number | undefined;
  programmed: boolean;
  condition: ProgrammedCondition;
}

export interface RouteProgrammedContext {
  route: string;
  generation: number;
  /** Progress per parent the route is attached to, by parent key. */
  parents: Record<string, ParentProgress>;
}

export type RouteProgrammedEvent =
  /** The graph evaluated the route: its generation and the parents it is attached to. */
  | { type: 'ROUTE_EVALUATED'; generation: number; parents: string[] }
  /** A parent published `revision`; `routeGeneration` is the route generation it carries (absent: the route is not in it). */
  | { type: 'GATEWAY_PUBLISHED'; parent: string; revision: number; routeGeneration?: number }
  /** The revision every agent of `parent` now serves (absent: not all agents serve the current one). */
  | { type: 'GATEWAY_SERVED'; parent: string; revision?: number };

function progress(p: Omit<ParentProgress, 'programmed' | 'condition'>, generation: number): ParentProgress {
  const programmed = p.includedIn !== undefined && p.served !== undefined && p.served >= p.includedIn;
  const c = (status: ProgrammedCondition['status'], reason: string, message: string): ProgrammedCondition => ({
    status,
    reason,
    message,
    observedGeneration: generation,
  });
  const condition = programmed
    ? c('True', 'Programmed', `Gateway ${p.parent} serves revision ${p.served}, which carries generation ${generation}`)
    : p.includedIn === undefined
      ? c('False', 'Pending', `Waiting for Gateway ${p.parent} to publish generation ${generation}`)
      : c('False', 'Pending', `Waiting for the agents of Gateway ${p.parent} to serve revision ${p.includedIn}`);
  return { ...p, programmed, condition };
}

const fresh = (parent: string, generation: number) =>
  progress({ parent, includedIn: undefined, lastPublished: undefined, served: undefined }, generation);

export const routeProgrammedMachine = setup({
  types: {
    context: {} as RouteProgrammedContext,
    events: {} as RouteProgrammedEvent,
    input: {} as RouteProgrammedInput,
  },
  actions: {
    recordEvaluation: assign(({ context, event }) => {
      assertEvent(event, 'ROUTE_EVALUATED');
      const newGeneration = event.generation !== context.generation;
      const parents: Record<string, ParentProgress> = {};
      for (const parent of [...new Set(event.parents)].sort()) {
        const prev = context.parents[parent];
        // A new generation must be carried by a new publication; the revision served stays what it is.
        parents[parent] = !prev
          ? fresh(parent, event.generation)
          : progress(newGeneration ? { ...prev, includedIn: undefined } : prev, event.generation);
      }
      return { generation: event.generation, parents };
    }),
    recordPublication: assign(({ context, event }) => {
      assertEvent(event, 'GATEWAY_PUBLISHED');
      const prev = context.parents[event.parent]!;
      const carries = event.routeGeneration === context.generation;
      const includedIn = carries ? (prev.includedIn ?? event.revision) : undefined;
      return {
        parents: { ...context.parents, [event.parent]: progress({ ...prev, includedIn, lastPublished: event.revision }, context.generation) },
      };
    }),
    recordServed: assign(({ context, event }) => {
      assertEvent(event, 'GATEWAY_SERVED');
      const prev = context.parents[event.parent]!;
      return { parents: { ...context.parents, [event.parent]: progress({ ...prev, served: event.revision }, context.generation) } };
    }),
  },
  guards: {
    isStaleEvaluation: ({ context, event }) => {
      assertEvent(event, 'ROUTE_EVALUATED');
      return event.generation < context.generation;
    },
    /** A publication of a parent the route is attached to, not older than the latest one seen. */
    isCurrentPublication: ({ context, event }) => {
      assertEvent(event, 'GATEWAY_PUBLISHED');
      const p = context.parents[event.parent];
      return p !== undefined && (p.lastPublished === undefined || event.revision >= p.lastPublished);
    },
    isKnownParent: ({ context, event }) => {
      assertEvent(event, 'GATEWAY_SERVED');
      return context.parents[event.parent] !== undefined;
    },
    hasNoParents: ({ context }) => Object.keys(context.parents).length === 0,
    isProgrammedEverywhere: ({ context }) => Object.values(context.parents).every((p) => p.programmed),
  },
}).createMachine({
  id: 'routeProgrammed',
  context: ({ input }) => ({ route: input.route, generation: 0, parents: {} }),
  initial: 'unevaluated',
  on: {
    ROUTE_EVALUATED: { guard: not('isStaleEvaluation'), target: '.assessing', actions: 'recordEvaluation' },
    GATEWAY_PUBLISHED: { guard: 'isCurrentPublication', target: '.assessing', actions: 'recordPublication' },
    GATEWAY_SERVED: { guard: 'isKnownParent', target: '.assessing', actions: 'recordServed' },
  },
  states: {
    unevaluated: {},
    /** Transient: picks the state the parents' progress implies. */
    assessing: {
      always: [{ guard: 'hasNoParents', target: 'detached' }, { guard: 'isProgrammedEverywhere', target: 'programmed' }, { target: 'pending' }],
    },
    /** Attached to no parent. */
    detached: {},
    /** Some parent does not serve the current generation yet. */
    pending: {},
    /** Every parent serves the current generation. */
    programmed: {},
  },
});

export type RouteProgrammedSnapshot = SnapshotFrom<typeof routeProgrammedMachine>;

/** The route's progress on `parent`, or undefined if the route is not attached to it. */
export const routeParentProgress = (snapshot: RouteProgrammedSnapshot, parent: string): ParentProgress | undefined =>
  snapshot.context.parents[parent];

/** Parents whose agents serve the route's current generation. */
export const routeProgrammedParents = (snapshot: RouteProgrammedSnapshot): string[] =>
  Object.values(snapshot.context.parents)
    .filter((p) => p.programmed)
    .map((p) => p.parent);
