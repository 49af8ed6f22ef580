export { Controller, type ControllerOptions, type HubOptions, type TopologyView } from './controller.js';
export { StatusStore, type ObjectWithStatus } from './status-store.js';
export { ProgrammedTracker } from './programmed-tracker.js';
export { combineProgrammed, type ClusterProgrammed } from './combine-programmed.js';
export { AgentDirectory, agentId, type AgentDirectoryOptions, type AgentRecord } from './agent-directory.js';
export {
  PLACEMENT_ANNOTATION,
  NO_PLACEMENT_RULES,
  gatewayPlacement,
  parseClusterList,
  parsePlacementRules,
  placementTargets,
  type Placement,
  type PlacementRules,
} from './placement.js';
export { AdminServer, type AdminHandler, type AdminServerOptions } from './admin-server.js';
export type { Log } from './log.js';
export * from './clusterset/index.js';
