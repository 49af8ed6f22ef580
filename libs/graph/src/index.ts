export * from './conditions.js';
export * from './graph.js';
export * from './hostnames.js';
export * from './order.js';
export * from './selectors.js';
export { isServable, isUsable } from './gateways.js';
export type * from './types.js';
export * from './addresses.js';
export { parseDuration } from './durations.js';
