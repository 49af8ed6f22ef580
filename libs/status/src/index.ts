export * from './prepare.js';
