export { ConfigCache, type CachedConfigs } from './config-cache.js';
export { CacheBackedBus, type CacheBackedBusOptions } from './cache-backed-bus.js';
