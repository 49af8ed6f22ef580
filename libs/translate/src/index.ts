export * from './translate.js';
export * from './cluster-gateways.js';
