export { Controller, type ControllerOptions } from './controller.js';
export { StatusStore, type ObjectWithStatus } from './status-store.js';
export { ProgrammedTracker } from './programmed-tracker.js';
export { AdminServer, type AdminHandler, type AdminServerOptions } from './admin-server.js';
export type { Log } from './log.js';
