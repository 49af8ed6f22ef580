import type { Route, Snapshot } from '@portway/api';
import { buildBackendTLSPolicies } from './backend-tls-policies.js';
import { buildBackendTrafficPolicies } from './backend-traffic-policies.js';
import { buildGatewayClasses, buildGateways } from './gateways.js';
import { Resources } from './resources.js';
import { buildRoutes } from './routes.js';
import type { Graph, GraphOptions } from './types.js';

/**
 * Builds the graph from a snapshot: a pure function, in the order the algorithm needs.
 *
 * 1. GatewayClasses managed by this controller (controllerName), accepted or not.
 * 2. Gateways of those classes with their listeners, and the ListenerSets attached to them;
 *    listener conflicts are resolved across each Gateway's whole listener set. This must run
 *    before routes, because routes attach to accepted listeners only.
 * 3. BackendTLSPolicies (CA references, conflicts) and XBackendTrafficPolicies (retry budgets,
 *    session persistence): before routes, because backends carry the settings of the policies
 *    that apply to them.
 * 4. Routes: parentRefs bound to listeners (which also counts `attachedRoutes`), then backendRefs
 *    resolved to Services and their endpoints, checked against ReferenceGrants; the Gateways
 *    that use a policy's Services become its ancestors.
 */
export function buildGraph(snapshot: Snapshot, options: GraphOptions): Graph {
  const resources = new Resources(snapshot);
  const grants = snapshot.ReferenceGrant;

  const gatewayClasses = buildGatewayClasses(snapshot.GatewayClass, options);
  const { gateways, listenerSets } = buildGateways({
    gateways: snapshot.Gateway,
    listenerSets: snapshot.ListenerSet,
    classes: gatewayClasses,
    resources,
    grants,
    options,
  });
  const tlsPolicies = buildBackendTLSPolicies(snapshot.BackendTLSPolicy, resources);
  const trafficPolicies = buildBackendTrafficPolicies(snapshot.XBackendTrafficPolicy);
  const routes = buildRoutes({
    tlsPolicies,
    trafficPolicies,
    routes: ([] as Route[]).concat(snapshot.HTTPRoute, snapshot.GRPCRoute, snapshot.TLSRoute, snapshot.TCPRoute, snapshot.UDPRoute),
    gateways,
    listenerSets,
    resources,
    grants,
    routeKinds: options.routeKinds,
  });

  return { gatewayClasses, gateways, listenerSets, routes, backendTLSPolicies: tlsPolicies.nodes, backendTrafficPolicies: trafficPolicies.nodes };
}
