export type { AckError, AgentAck, ConditionStatus, ListenerProgrammed, ProgrammedCondition } from './programmed-types.js';
export {
  DEFAULT_ACK_TIMEOUT_MS,
  gatewayListenerStatus,
  gatewayProgrammedCondition,
  gatewayProgrammedMachine,
  type GatewayProgrammedContext,
  type GatewayProgrammedEvent,
  type GatewayProgrammedInput,
  type GatewayProgrammedSnapshot,
} from './gateway-programmed-machine.js';
export { assess, gatewayCondition, listenerStates, type AckView, type AgentFailure, type Assessment, type GatewayPhase } from './gateway-assessment.js';
export {
  routeParentProgress,
  routeProgrammedMachine,
  routeProgrammedParents,
  type ParentProgress,
  type RouteProgrammedContext,
  type RouteProgrammedEvent,
  type RouteProgrammedInput,
  type RouteProgrammedSnapshot,
} from './route-programmed-machine.js';
export {
  agentSessionMachine,
  agentSessionState,
  DEFAULT_GONE_AFTER_MS,
  DEFAULT_STALE_AFTER_MS,
  isLiveAgent,
  type AgentSessionContext,
  type AgentSessionEmitted,
  type AgentSessionEvent,
  type AgentSessionInput,
  type AgentSessionSnapshot,
  type HeartbeatInfo,
} from './agent-session-machine.js';
export {
  statusWriteMachine,
  statusWriteState,
  type StatusTarget,
  type StatusWriteContext,
  type StatusWriteEmitted,
  type StatusWriteEvent,
  type StatusWriteInput,
  type StatusWriteMachineInput,
  type StatusWriteRequest,
  type StatusWriteSnapshot,
} from './status-write-machine.js';
export { classifyStatusWriteError, isRetryable, StatusWriteError, type StatusWriteErrorKind } from './status-write-error.js';
export { backoffDelay, nextRandom, type BackoffPolicy } from './backoff.js';
