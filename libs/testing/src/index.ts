export * from './nats/index.js';
export * from './fixtures/index.js';
