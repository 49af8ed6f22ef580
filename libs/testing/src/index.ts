export * from './apiserver/index.js';
