export { Agent, type AgentOptions, type RefusedRevision, type ServedGateway } from './agent.js';
export { mergeResults, type DataPlane } from './data-plane.js';
export { InProcessDataPlane } from './in-process-data-plane.js';
export { WorkerDataPlane, type WorkerDataPlaneOptions } from './worker-data-plane.js';
export type { Log } from './log.js';
export { agentStatusReport, type AgentStatusReport } from './agent-status.js';
export * from './east-west/index.js';
export * from './export/index.js';
export * from './cache/index.js';
