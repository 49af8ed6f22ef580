export { EastWestAllowList, localEndpoints, type AllowedEndpoint } from './east-west-allow-list.js';
export { EastWestAllowingDataPlane, CONFIG_ENDPOINTS_SOURCE } from './east-west-data-plane.js';
export { EastWestListener, type EastWestCounters, type EastWestListenerOptions } from './east-west-listener.js';
