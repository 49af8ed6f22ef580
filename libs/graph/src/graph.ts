import type { Snapshot } from '@portway/api';
import { GraphBuilder } from './graph-builder.js';
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
 *
 * A controller that builds again and again keeps a `GraphBuilder`, which gives the same graph
 * while reusing the nodes of routes whose inputs did not change.
 */
export function buildGraph(snapshot: Snapshot, options: GraphOptions): Graph {
  return new GraphBuilder(options).build(snapshot);
}
