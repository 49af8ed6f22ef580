export * from './objects.js';
export * from './snapshot.js';
export * from './features.js';
export type * from './generated/index.js';
