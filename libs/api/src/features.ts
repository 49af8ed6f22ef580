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
  BackendTLSPolicy: { channel: 'standard', supported: false },
  BackendTLSPolicySANValidation: { channel: 'standard', supported: false },
  GRPCRoute: { channel: 'standard', supported: false },
  GRPCRouteNamedRouteRule: { channel: 'standard', supported: false },
  Gateway: { channel: 'standard', supported: true },
  GatewayAddressEmpty: { channel: 'standard', supported: false },
  GatewayBackendClientCertificate: { channel: 'standard', supported: false },
  GatewayFrontendClientCertificateValidation: { channel: 'standard', supported: false },
  GatewayFrontendClientCertificateValidationInsecureFallback: { channel: 'standard', supported: false },
  GatewayHTTPListenerIsolation: { channel: 'standard', supported: false },
  GatewayHTTPSListenerDetectMisdirectedRequests: { channel: 'standard', supported: false },
  GatewayInfrastructurePropagation: { channel: 'standard', supported: false },
  GatewayPort8080: { channel: 'standard', supported: false },
  GatewayStaticAddresses: { channel: 'standard', supported: false },
  HTTPRoute: { channel: 'standard', supported: true },
  HTTPRoute303RedirectStatusCode: { channel: 'standard', supported: false },
  HTTPRoute307RedirectStatusCode: { channel: 'standard', supported: false },
  HTTPRoute308RedirectStatusCode: { channel: 'standard', supported: false },
  HTTPRouteBackendProtocolH2C: { channel: 'standard', supported: false },
  HTTPRouteBackendProtocolWebSocket: { channel: 'standard', supported: false },
  HTTPRouteBackendRequestHeaderModification: { channel: 'standard', supported: false },
  HTTPRouteBackendTimeout: { channel: 'standard', supported: false },
  HTTPRouteCORS: { channel: 'standard', supported: false },
  HTTPRouteDestinationPortMatching: { channel: 'experimental', supported: false },
  HTTPRouteHostRewrite: { channel: 'standard', supported: false },
  HTTPRouteMethodMatching: { channel: 'standard', supported: false },
  HTTPRouteNamedRouteRule: { channel: 'standard', supported: false },
  HTTPRouteParentRefPort: { channel: 'standard', supported: false },
  HTTPRoutePathRedirect: { channel: 'standard', supported: false },
  HTTPRoutePathRewrite: { channel: 'standard', supported: false },
  HTTPRoutePortRedirect: { channel: 'standard', supported: false },
  HTTPRouteQueryParamMatching: { channel: 'standard', supported: false },
  HTTPRouteRequestMirror: { channel: 'standard', supported: false },
  HTTPRouteRequestMultipleMirrors: { channel: 'standard', supported: false },
  HTTPRouteRequestPercentageMirror: { channel: 'standard', supported: false },
  HTTPRouteRequestTimeout: { channel: 'standard', supported: false },
  HTTPRouteResponseHeaderModification: { channel: 'standard', supported: false },
  HTTPRouteRetry: { channel: 'experimental', supported: false },
  HTTPRouteRetryBackendTimeout: { channel: 'experimental', supported: false },
  HTTPRouteRetryConnectionError: { channel: 'experimental', supported: false },
  HTTPRouteSchemeRedirect: { channel: 'standard', supported: false },
  ListenerSet: { channel: 'standard', supported: false },
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
  TCPRoute: { channel: 'standard', supported: false },
  TLSRoute: { channel: 'standard', supported: false },
  TLSRouteModeMixed: { channel: 'experimental', supported: false },
  TLSRouteModeTerminate: { channel: 'standard', supported: false },
  UDPRoute: { channel: 'standard', supported: false },
} as const satisfies Record<string, FeatureInfo>;

export type FeatureName = keyof typeof FEATURES;

/** Names of the features Portway supports, sorted (the order `supportedFeatures` is written in). */
export function supportedFeatures(): FeatureName[] {
  return (Object.keys(FEATURES) as FeatureName[]).filter((n) => FEATURES[n].supported).sort();
}

export function isFeatureSupported(name: string): boolean {
  return Object.hasOwn(FEATURES, name) && FEATURES[name as FeatureName].supported;
}
