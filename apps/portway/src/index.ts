export { renderStatusTable } from './commands/status.js';
export { formatSourceError } from './commands/offline.js';
