export type * from './types.js';
export { InProcessBus } from './in-process-bus.js';
export * from './nats/index.js';
