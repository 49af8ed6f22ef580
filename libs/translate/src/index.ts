export * from './translate.js';
export { parseDuration } from './durations.js';
