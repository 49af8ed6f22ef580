/**
 * The objects Portway reads, as an API server stores them: `apiVersion`, `kind`, `metadata`
 * and the kind's body. Gateway API and MCS bodies are generated from the upstream CRDs
 * (`./generated`); core Kubernetes kinds come from `kubernetes-types`.
 */
import type * as core from 'kubernetes-types/core/v1.js';
import type * as discovery from 'kubernetes-types/discovery/v1.js';
import type {
  BackendTLSPolicyBody,
  GRPCRouteBody,
  GatewayBody,
  GatewayClassBody,
  HTTPRouteBody,
  ListenerSetBody,
  ReferenceGrantBody,
  ServiceExportBody,
  ServiceImportBody,
  TCPRouteBody,
  TLSRouteBody,
  UDPRouteBody,
  XBackendTrafficPolicyBody,
} from './generated/index.js';
import type { BackendPolicyBody } from './backend-policy.js';

/** The part of `metadata` Portway reads. A provider fills `uid`, `generation` and `creationTimestamp` as an API server would. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  /** Bumped by the API server (or the file provider) only when `spec` changes. */
  generation?: number;
  resourceVersion?: string;
  /** RFC 3339; route precedence and conflict resolution order objects by it. */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An object with its kind and metadata, plus the kind's body (`spec`, `status`, ...). */
export type KubeObject<K extends string = string, B = Record<string, unknown>> = {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
} & B;

export type GatewayClass = KubeObject<'GatewayClass', GatewayClassBody>;
export type Gateway = KubeObject<'Gateway', GatewayBody>;
export type ListenerSet = KubeObject<'ListenerSet', ListenerSetBody>;
export type HTTPRoute = KubeObject<'HTTPRoute', HTTPRouteBody>;
export type GRPCRoute = KubeObject<'GRPCRoute', GRPCRouteBody>;
export type TLSRoute = KubeObject<'TLSRoute', TLSRouteBody>;
export type TCPRoute = KubeObject<'TCPRoute', TCPRouteBody>;
export type UDPRoute = KubeObject<'UDPRoute', UDPRouteBody>;
export type ReferenceGrant = KubeObject<'ReferenceGrant', ReferenceGrantBody>;
export type BackendTLSPolicy = KubeObject<'BackendTLSPolicy', BackendTLSPolicyBody>;
export type XBackendTrafficPolicy = KubeObject<'XBackendTrafficPolicy', XBackendTrafficPolicyBody>;
export type ServiceImport = KubeObject<'ServiceImport', ServiceImportBody>;
export type ServiceExport = KubeObject<'ServiceExport', ServiceExportBody>;
/** Portway's own policy (`portway.dev/v1alpha1`, see backend-policy.ts). */
export type BackendPolicy = KubeObject<'BackendPolicy', BackendPolicyBody>;

export type Service = KubeObject<'Service', { spec?: core.ServiceSpec; status?: core.ServiceStatus }>;
export type EndpointSlice = KubeObject<
  'EndpointSlice',
  { addressType: string; endpoints: discovery.Endpoint[]; ports?: discovery.EndpointPort[] }
>;
export type Secret = KubeObject<'Secret', { type?: string; data?: Record<string, string>; stringData?: Record<string, string> }>;
export type ConfigMap = KubeObject<'ConfigMap', { data?: Record<string, string>; binaryData?: Record<string, string> }>;
export type Namespace = KubeObject<'Namespace', { spec?: core.NamespaceSpec; status?: core.NamespaceStatus }>;

export type Route = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute;
export type RouteKind = Route['kind'];

/** Every kind Portway reads, by kind name. */
export interface KindMap {
  GatewayClass: GatewayClass;
  Gateway: Gateway;
  ListenerSet: ListenerSet;
  HTTPRoute: HTTPRoute;
  GRPCRoute: GRPCRoute;
  TLSRoute: TLSRoute;
  TCPRoute: TCPRoute;
  UDPRoute: UDPRoute;
  ReferenceGrant: ReferenceGrant;
  BackendTLSPolicy: BackendTLSPolicy;
  XBackendTrafficPolicy: XBackendTrafficPolicy;
  BackendPolicy: BackendPolicy;
  ServiceImport: ServiceImport;
  ServiceExport: ServiceExport;
  Service: Service;
  EndpointSlice: EndpointSlice;
  Secret: Secret;
  ConfigMap: ConfigMap;
  Namespace: Namespace;
}
export type KindName = keyof KindMap;
export type AnyObject = KindMap[KindName];

/** API group of each kind ("" for the core group). */
export const KIND_GROUPS: Readonly<Record<KindName, string>> = {
  GatewayClass: 'gateway.networking.k8s.io',
  Gateway: 'gateway.networking.k8s.io',
  ListenerSet: 'gateway.networking.k8s.io',
  HTTPRoute: 'gateway.networking.k8s.io',
  GRPCRoute: 'gateway.networking.k8s.io',
  TLSRoute: 'gateway.networking.k8s.io',
  TCPRoute: 'gateway.networking.k8s.io',
  UDPRoute: 'gateway.networking.k8s.io',
  ReferenceGrant: 'gateway.networking.k8s.io',
  BackendTLSPolicy: 'gateway.networking.k8s.io',
  XBackendTrafficPolicy: 'gateway.networking.x-k8s.io',
  BackendPolicy: 'portway.dev',
  ServiceImport: 'multicluster.x-k8s.io',
  ServiceExport: 'multicluster.x-k8s.io',
  Service: '',
  EndpointSlice: 'discovery.k8s.io',
  Secret: '',
  ConfigMap: '',
  Namespace: '',
};

/** Kinds without a namespace. */
export const CLUSTER_SCOPED: ReadonlySet<KindName> = new Set<KindName>(['GatewayClass', 'Namespace']);

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const MCS_GROUP = 'multicluster.x-k8s.io';

export function isKindName(kind: string): kind is KindName {
  return Object.hasOwn(KIND_GROUPS, kind);
}

/** The group part of an apiVersion ("" for "v1"). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** "Kind namespace/name", for messages and logs. */
export function describe(o: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${o.kind} ${objectKey(o)}`;
}
