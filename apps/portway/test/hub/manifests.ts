/** YAML of the hub end-to-end tests: a GatewayClass, Gateways, echo Services and routes. */

export const gatewayClass = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portway}
spec: {controllerName: portway.dev/gateway-controller}
`;

/** A Gateway with one HTTP listener; `clusters` sets the placement annotation. */
export function gateway(name: string, port: number, clusters?: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: default
${clusters !== undefined ? `  annotations: {portway.dev/clusters: "${clusters}"}\n` : ''}spec:
  gatewayClassName: portway
  infrastructure:
    labels: {team: edge}
    annotations: {portway.dev/note: "${name} from the hub tests"}
  listeners: [{name: http, port: ${port}, protocol: HTTP}]
`;
}

/** Service `echo` (port 80 → 3000) with one endpoint per backend address. */
export function echoService(addresses: readonly string[]): string {
  return `apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec: {ports: [{name: http, port: 80, targetPort: 3000}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: echo-1, namespace: default, labels: {kubernetes.io/service-name: echo}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [${addresses.map((a) => `{addresses: [${a}]}`).join(', ')}]
`;
}

/** An HTTPRoute to `echo` for a path prefix, optionally setting a response header. */
export function route(name: string, gatewayName: string, path: string, header?: { name: string; value: string }): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: ${gatewayName}}]
  rules:
  - matches: [{path: {type: PathPrefix, value: ${path}}}]
${header ? `    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: ${header.name}, value: "${header.value}"}]}}]\n` : ''}    backendRefs: [{name: echo, port: 80}]
`;
}
