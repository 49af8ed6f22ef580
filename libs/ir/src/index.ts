export * from './schema.js';
export * from './validate.js';
export * from './hash.js';
export * from './shards.js';
export * from './freeze.js';
export * from './reuse.js';
