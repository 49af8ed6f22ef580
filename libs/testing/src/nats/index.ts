export * from './nats-server.js';
export * from './test-certificates.js';
