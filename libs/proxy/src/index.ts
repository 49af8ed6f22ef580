/**
 * @portway/proxy: the data plane (HTTP, HTTPS, gRPC, TLS passthrough/terminate, TCP, UDP). It serves GatewayConfigs (the IR from @portway/ir):
 * listeners, routing, filters and upstreams. See README.md.
 */
export { Proxy } from './proxy.js';
export type { ApplyError, ApplyResult, GatewayApplyResult, L4Limits, LogFn, ProxyOptions } from './proxy-types.js';
export { parseClientHello, type ClientHelloResult } from './l4/client-hello.js';
export { FlowHashPicker, flowHash } from './backends/flow-hash.js';
export { MaglevTable } from './backends/maglev.js';
export { compileRouter, normalizeRoutePath, Router, type HeaderCarrier, type RouteMatch } from './routing/router.js';
export { normalizePath } from './routing/path-normalize.js';
export { HostTable, hostWithoutPort } from './routing/host-table.js';
export { HeaderPlan } from './filters/header-plan.js';
export { buildLocation, type RedirectRequest } from './filters/redirect.js';
export { modifyPath, replacePrefix } from './filters/path-rewrite.js';
export { CorsPolicy } from './filters/cors.js';
export { ActiveHealthChecker, type HealthChange } from './backends/active-health-checker.js';
export { probeEndpoint, statusExpected, type ActiveCheck, type ProbeResult } from './backends/health-probe.js';
export { clusterShares, clusterHealth, priorityOrder, OVERPROVISIONING, type ClusterCapacity, type ClusterShare } from './backends/cluster-selection.js';
export { splice } from './l4/splice.js';
export { EAST_WEST_NAME_SUFFIX, eastWestServerName, parseEastWestServerName, type EastWestTarget } from './east-west/east-west-name.js';
export { dialEastWest, type EastWestClientTls, type EastWestGateway } from './east-west/east-west-client.js';
