export { EastWestAllowList, localEndpoints, type AllowedEndpoint } from './east-west-allow-list.js';
export { EastWestAllowingDataPlane, CONFIG_ENDPOINTS_SOURCE } from './east-west-data-plane.js';
export { EastWestListener, type EastWestCounters, type EastWestListenerOptions } from './east-west-listener.js';
export { loadEastWestTls, type EastWestTlsFiles } from './east-west-tls-files.js';
export { eastWestFromWorkerEnv, eastWestWorkerEnv } from './east-west-worker-env.js';
export { EXPORTED_ENDPOINTS_SOURCE, feedAllowListFromExports, reportEndpoints } from './east-west-export-feed.js';
