/** The status of a condition, as in Kubernetes. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * The `Programmed` condition a lifecycle implies, without `type` and `lastTransitionTime` (status
 * preparation adds them). `observedGeneration` is the generation the condition speaks for.
 */
export interface ProgrammedCondition {
  status: ConditionStatus;
  /** A Gateway API reason for Programmed: Programmed, Pending, Invalid, AddressNotUsable, NoResources, ... */
  reason: string;
  message: string;
  observedGeneration: number;
}

/** A failure an agent reports with its ack (the bus's `AckError`). */
export interface AckError {
  /** Listener name, or absent for config-wide errors. */
  listener?: string;
  /** Machine-readable cause: "Invalid", "AddressNotUsable", "PortUnavailable", ... */
  reason: string;
  message: string;
}

/** An agent's report after trying to apply a config revision (the bus's `Ack`, as far as a Gateway's lifecycle reads it). */
export interface AgentAck {
  agent: string;
  revision: number;
  hash: string;
  /** false: the agent refused the revision and keeps serving the previous one. */
  ok: boolean;
  /** Listener names serving this revision. */
  listenersBound: string[];
  errors: AckError[];
}

/** Whether one listener of a Gateway is programmed, for its `Programmed` listener condition. */
export interface ListenerProgrammed {
  name: string;
  programmed: boolean;
  /** Listener Programmed reason: Programmed, Pending or Invalid. */
  reason: 'Programmed' | 'Pending' | 'Invalid';
  /** The agents' own reason when one failed to bind the listener (e.g. PortUnavailable), for Accepted/ResolvedRefs detail. */
  cause?: string;
  message: string;
  /** Expected agents that serve the listener at the current revision. */
  boundBy: string[];
}
