export * from './apiserver/index.js';
export * from './nats/index.js';
export * from './fixtures/index.js';
export { waitFor } from './wait-for.js';
