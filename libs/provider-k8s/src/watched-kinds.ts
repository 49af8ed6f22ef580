/**
 * The kinds the Kubernetes source watches, with the versions it reads them at (the first one the
 * cluster serves wins) and their resource names. Pods are never watched: endpoints come from
 * EndpointSlices.
 */
import type { KindName } from '@portway/api';

/** One watched kind. */
export interface WatchedKind {
  kind: KindName;
  group: string;
  /** Versions Portway reads, preferred first (every one of them is one `@portway/api` admits). */
  versions: readonly string[];
  plural: string;
  namespaced: boolean;
}

const GW = 'gateway.networking.k8s.io';

export const WATCHED_KINDS: readonly WatchedKind[] = [
  { kind: 'GatewayClass', group: GW, versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', namespaced: false },
  { kind: 'Gateway', group: GW, versions: ['v1', 'v1beta1'], plural: 'gateways', namespaced: true },
  { kind: 'ListenerSet', group: GW, versions: ['v1'], plural: 'listenersets', namespaced: true },
  { kind: 'HTTPRoute', group: GW, versions: ['v1', 'v1beta1'], plural: 'httproutes', namespaced: true },
  { kind: 'GRPCRoute', group: GW, versions: ['v1'], plural: 'grpcroutes', namespaced: true },
  { kind: 'TLSRoute', group: GW, versions: ['v1', 'v1alpha3', 'v1alpha2'], plural: 'tlsroutes', namespaced: true },
  { kind: 'TCPRoute', group: GW, versions: ['v1', 'v1alpha2'], plural: 'tcproutes', namespaced: true },
  { kind: 'UDPRoute', group: GW, versions: ['v1', 'v1alpha2'], plural: 'udproutes', namespaced: true },
  { kind: 'ReferenceGrant', group: GW, versions: ['v1', 'v1beta1'], plural: 'referencegrants', namespaced: true },
  { kind: 'BackendTLSPolicy', group: GW, versions: ['v1', 'v1alpha3'], plural: 'backendtlspolicies', namespaced: true },
  { kind: 'XBackendTrafficPolicy', group: 'gateway.networking.x-k8s.io', versions: ['v1alpha1'], plural: 'xbackendtrafficpolicies', namespaced: true },
  { kind: 'BackendPolicy', group: 'portway.dev', versions: ['v1alpha1'], plural: 'backendpolicies', namespaced: true },
  { kind: 'ServiceImport', group: 'multicluster.x-k8s.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serviceimports', namespaced: true },
  { kind: 'ServiceExport', group: 'multicluster.x-k8s.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serviceexports', namespaced: true },
  { kind: 'Service', group: '', versions: ['v1'], plural: 'services', namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', namespaced: true },
  { kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', namespaced: true },
  { kind: 'ConfigMap', group: '', versions: ['v1'], plural: 'configmaps', namespaced: true },
  { kind: 'Namespace', group: '', versions: ['v1'], plural: 'namespaces', namespaced: false },
];

/** A watched kind at the version the cluster serves. */
export interface ServedKind extends WatchedKind {
  version: string;
  apiVersion: string;
}

/** Gateway API kinds whose status Portway writes, by kind. */
export const STATUS_KINDS: ReadonlySet<string> = new Set([
  'GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'BackendPolicy',
]);

/** Route kinds (their status holds `parents`, shared with other controllers). */
export const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

/** Policy kinds (their status holds `ancestors`, shared with other controllers). */
export const POLICY_KINDS: ReadonlySet<string> = new Set(['BackendTLSPolicy', 'XBackendTrafficPolicy']);
