/**
 * The feature registry: every Gateway API SupportedFeature (v1.6.1) and whether Portway implements
 * it. This one table drives GatewayClass `status.supportedFeatures`, the conformance runner's skip
 * list and the docs. Flip `supported` only when the feature works end to end in the data plane
 * and its conformance tests pass.
 */
export type FeatureChannel = 'standard' | 'experimental';

export interface FeatureInfo {
  readonly channel: FeatureChannel;
  readonly supported: boolean;
}

export const FEATURES = {
  BackendTLSPolicy: { channel: 'standard', supported: true },
  BackendTLSPolicySANValidation: { channel: 'standard', supported: true },
  GRPCRoute: { channel: 'standard', supported: true },
  GRPCRouteNamedRouteRule: { channel: 'standard', supported: true },
  Gateway: { channel: 'standard', supported: true },
  GatewayAddressEmpty: { channel: 'standard', supported: true },
  GatewayBackendClientCertificate: { channel: 'standard', supported: true },
  GatewayFrontendClientCertificateValidation: { channel: 'standard', supported: true },
  GatewayFrontendClientCertificateValidationInsecureFallback: { channel: 'standard', supported: true },
  GatewayHTTPListenerIsolation: { channel: 'standard', supported: true },
  GatewayHTTPSListenerDetectMisdirectedRequests: { channel: 'standard', supported: true },
  GatewayInfrastructurePropagation: { channel: 'standard', supported: true },
  GatewayPort8080: { channel: 'standard', supported: true },
  GatewayStaticAddresses: { channel: 'standard', supported: true },
  HTTPRoute: { channel: 'standard', supported: true },
  HTTPRoute303RedirectStatusCode: { channel: 'standard', supported: true },
  HTTPRoute307RedirectStatusCode: { channel: 'standard', supported: true },
  HTTPRoute308RedirectStatusCode: { channel: 'standard', supported: true },
  HTTPRouteBackendProtocolH2C: { channel: 'standard', supported: true },
  HTTPRouteBackendProtocolWebSocket: { channel: 'standard', supported: true },
  HTTPRouteBackendRequestHeaderModification: { channel: 'standard', supported: true },
  HTTPRouteBackendTimeout: { channel: 'standard', supported: true },
  HTTPRouteCORS: { channel: 'standard', supported: true },
  HTTPRouteDestinationPortMatching: { channel: 'experimental', supported: true },
  HTTPRouteHostRewrite: { channel: 'standard', supported: true },
  HTTPRouteMethodMatching: { channel: 'standard', supported: true },
  HTTPRouteNamedRouteRule: { channel: 'standard', supported: true },
  HTTPRouteParentRefPort: { channel: 'standard', supported: true },
  HTTPRoutePathRedirect: { channel: 'standard', supported: true },
  HTTPRoutePathRewrite: { channel: 'standard', supported: true },
  HTTPRoutePortRedirect: { channel: 'standard', supported: true },
  HTTPRouteQueryParamMatching: { channel: 'standard', supported: true },
  HTTPRouteRequestMirror: { channel: 'standard', supported: true },
  HTTPRouteRequestMultipleMirrors: { channel: 'standard', supported: true },
  HTTPRouteRequestPercentageMirror: { channel: 'standard', supported: true },
  HTTPRouteRequestTimeout: { channel: 'standard', supported: true },
  HTTPRouteResponseHeaderModification: { channel: 'standard', supported: true },
  HTTPRouteRetry: { channel: 'experimental', supported: true },
  HTTPRouteRetryBackendTimeout: { channel: 'experimental', supported: true },
  HTTPRouteRetryConnectionError: { channel: 'experimental', supported: true },
  HTTPRouteSchemeRedirect: { channel: 'standard', supported: true },
  ListenerSet: { channel: 'standard', supported: true },
  Mesh: { channel: 'standard', supported: false },
  MeshClusterIPMatching: { channel: 'standard', supported: false },
  MeshConsumerRoute: { channel: 'standard', supported: false },
  MeshHTTPRouteBackendRequestHeaderModification: { channel: 'standard', supported: false },
  MeshHTTPRouteNamedRouteRule: { channel: 'standard', supported: false },
  MeshHTTPRouteQueryParamMatching: { channel: 'standard', supported: false },
  MeshHTTPRouteRedirectPath: { channel: 'standard', supported: false },
  MeshHTTPRouteRedirectPort: { channel: 'standard', supported: false },
  MeshHTTPRouteRewritePath: { channel: 'standard', supported: false },
  MeshHTTPRouteSchemeRedirect: { channel: 'standard', supported: false },
  ReferenceGrant: { channel: 'standard', supported: true },
  TCPRoute: { channel: 'standard', supported: true },
  TLSRoute: { channel: 'standard', supported: true },
  TLSRouteModeMixed: { channel: 'experimental', supported: true },
  TLSRouteModeTerminate: { channel: 'standard', supported: true },
  UDPRoute: { channel: 'standard', supported: true },
} as const satisfies Record<string, FeatureInfo>;

export type FeatureName = keyof typeof FEATURES;

/** Names of the features Portway supports, sorted (the order `supportedFeatures` is written in). */
export function supportedFeatures(): FeatureName[] {
  return (Object.keys(FEATURES) as FeatureName[]).filter((n) => FEATURES[n].supported).sort();
}

export function isFeatureSupported(name: string): boolean {
  return Object.hasOwn(FEATURES, name) && FEATURES[name as FeatureName].supported;
}
