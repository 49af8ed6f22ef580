/**
 * Every status condition Portway writes is built here, one small constructor per reason, with the
 * types and reasons of the Gateway API spec (v1.6.1). Nothing else builds a condition literal.
 *
 * A condition here carries no `observedGeneration` or `lastTransitionTime`: status preparation
 * (libs/status) adds them, so that the graph stays a pure function of the snapshot.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

const c = (type: string, status: ConditionStatus, reason: string, message: string): Condition => ({
  type,
  status,
  reason,
  message,
});

// ───────────────────────── GatewayClass ─────────────────────────

/** GatewayClass Accepted=True: this controller manages the class. */
export const gatewayClassAccepted = () => c('Accepted', 'True', 'Accepted', 'GatewayClass is accepted by Portway');
/** GatewayClass Accepted=False: `parametersRef` cannot be resolved or is not supported. */
export const gatewayClassInvalidParameters = (msg: string) => c('Accepted', 'False', 'InvalidParameters', msg);
/** GatewayClass SupportedVersion=True: the installed Gateway API version is supported. */
export const gatewayClassSupportedVersion = () =>
  c('SupportedVersion', 'True', 'SupportedVersion', 'Gateway API v1.6 is supported');

// ───────────────────────── Gateway ─────────────────────────

/** Gateway Accepted=True, all listeners valid. */
export const gatewayAccepted = () => c('Accepted', 'True', 'Accepted', 'Gateway is accepted');
/** Gateway Accepted=True/False with reason ListenersNotValid: some (True) or all (False) listeners are invalid. */
export const gatewayListenersNotValid = (accepted: boolean, msg: string) =>
  c('Accepted', accepted ? 'True' : 'False', 'ListenersNotValid', msg);
/** Gateway Accepted=False: `spec.infrastructure.parametersRef` cannot be resolved. */
export const gatewayInvalidParameters = (msg: string) => c('Accepted', 'False', 'InvalidParameters', msg);
/** Gateway Accepted=False: an address in `spec.addresses` has a type or value Portway cannot use. */
export const gatewayUnsupportedAddress = (msg: string) => c('Accepted', 'False', 'UnsupportedAddress', msg);
/** Gateway Accepted=False: the GatewayClass is not accepted. */
export const gatewayClassNotAccepted = (msg: string) => c('Accepted', 'False', 'Pending', msg);
/** Gateway ResolvedRefs=True: every Gateway-level reference (spec.tls) resolved. */
export const gatewayResolvedRefs = () => c('ResolvedRefs', 'True', 'ResolvedRefs', 'All references are resolved');
/** Gateway ResolvedRefs=False: `spec.tls.backend.clientCertificateRef` is invalid. */
export const gatewayInvalidClientCertificateRef = (msg: string) =>
  c('ResolvedRefs', 'False', 'InvalidClientCertificateRef', msg);
/** Gateway ResolvedRefs=False: a Gateway-level reference to another namespace is not permitted by a ReferenceGrant. */
export const gatewayRefNotPermitted = (msg: string) => c('ResolvedRefs', 'False', 'RefNotPermitted', msg);
/** Gateway InsecureFrontendValidationMode=True: some port allows clients without a valid certificate. */
export const gatewayInsecureFrontendValidation = (msg: string) =>
  c('InsecureFrontendValidationMode', 'True', 'ConfigurationChanged', msg);

/** Gateway Programmed=True: every agent that should serve it serves its current generation. */
export const gatewayProgrammed = (msg = 'Gateway is programmed') => c('Programmed', 'True', 'Programmed', msg);
/** Programmed=Unknown/False with reason Pending: the data plane has not (yet) acknowledged this generation. */
export const programmedPending = (msg: string, status: ConditionStatus = 'False') => c('Programmed', status, 'Pending', msg);
/** Programmed=False with reason Invalid: the object is not accepted, or the data plane refused its config. */
export const programmedInvalid = (msg: string) => c('Programmed', 'False', 'Invalid', msg);
/** Gateway Programmed=False: no address could be assigned. */
export const gatewayAddressNotAssigned = (msg: string) => c('Programmed', 'False', 'AddressNotAssigned', msg);
/** Gateway Programmed=False: an address was assigned but cannot be used (bound) by the data plane. */
export const gatewayAddressNotUsable = (msg: string) => c('Programmed', 'False', 'AddressNotUsable', msg);

// ───────────────────────── Listener (in Gateway and ListenerSet status) ─────────────────────────

export const listenerAccepted = () => c('Accepted', 'True', 'Accepted', 'Listener is accepted');
/** Listener Accepted=False: protocol not supported. */
export const listenerUnsupportedProtocol = (msg: string) => c('Accepted', 'False', 'UnsupportedProtocol', msg);
/** Listener Accepted=False: the port cannot be used. */
export const listenerPortUnavailable = (msg: string) => c('Accepted', 'False', 'PortUnavailable', msg);
/** Listener Accepted=False: a field value is not supported (e.g. a TLS option). */
export const listenerUnsupportedValue = (msg: string) => c('Accepted', 'False', 'UnsupportedValue', msg);
/** Listener Accepted=False + Conflicted=True: shares port and protocol family with an incompatible listener. */
export const listenerProtocolConflict = (msg: string): Condition[] => [
  c('Accepted', 'False', 'ProtocolConflict', msg),
  c('Conflicted', 'True', 'ProtocolConflict', msg),
];
/** Listener Accepted=False + Conflicted=True: same port, protocol and hostname as another listener. */
export const listenerHostnameConflict = (msg: string): Condition[] => [
  c('Accepted', 'False', 'HostnameConflict', msg),
  c('Conflicted', 'True', 'HostnameConflict', msg),
];
/** Listener Conflicted=False. */
export const listenerNoConflicts = () => c('Conflicted', 'False', 'NoConflicts', 'No conflicts');
export const listenerResolvedRefs = () => c('ResolvedRefs', 'True', 'ResolvedRefs', 'All references are resolved');
/** Listener ResolvedRefs=False: a certificateRef does not exist, is of an unsupported kind, or is malformed. */
export const listenerInvalidCertificateRef = (msg: string) => c('ResolvedRefs', 'False', 'InvalidCertificateRef', msg);
/** Listener ResolvedRefs=False: `allowedRoutes.kinds` names a kind this listener cannot serve. */
export const listenerInvalidRouteKinds = (msg: string) => c('ResolvedRefs', 'False', 'InvalidRouteKinds', msg);
/** Listener ResolvedRefs=False: a cross-namespace reference is not permitted by a ReferenceGrant. */
export const listenerRefNotPermitted = (msg: string) => c('ResolvedRefs', 'False', 'RefNotPermitted', msg);
/** Listener ResolvedRefs=False: a frontend validation CA reference is missing or invalid. */
export const listenerInvalidCACertificateRef = (msg: string) => c('ResolvedRefs', 'False', 'InvalidCACertificateRef', msg);
/** Listener ResolvedRefs=False: a frontend validation CA reference is of an unsupported kind. */
export const listenerInvalidCACertificateKind = (msg: string) => c('ResolvedRefs', 'False', 'InvalidCACertificateKind', msg);
/** Listener Accepted=False: no valid CA certificate for client validation. */
export const listenerNoValidCACertificate = (msg: string) => c('Accepted', 'False', 'NoValidCACertificate', msg);
export const listenerProgrammed = () => c('Programmed', 'True', 'Programmed', 'Listener is programmed');

// ───────────────────────── ListenerSet ─────────────────────────

export const listenerSetAccepted = () => c('Accepted', 'True', 'Accepted', 'ListenerSet is accepted');
/** ListenerSet Accepted=False: the parent Gateway does not allow this ListenerSet (`spec.allowedListeners`). */
export const listenerSetNotAllowed = (msg: string) => c('Accepted', 'False', 'NotAllowed', msg);
/** ListenerSet Accepted=False (all listeners invalid) or True (some). */
export const listenerSetListenersNotValid = (accepted: boolean, msg: string) =>
  c('Accepted', accepted ? 'True' : 'False', 'ListenersNotValid', msg);
export const listenerSetParentNotAccepted = (msg: string) => c('Accepted', 'False', 'ParentNotAccepted', msg);

// ───────────────────────── Routes (status.parents[].conditions) ─────────────────────────

export const routeAccepted = () => c('Accepted', 'True', 'Accepted', 'Route is accepted');
/** Route Accepted=False: no listener of the parent allows this route (namespace or kind). */
export const routeNotAllowedByListeners = (msg: string) => c('Accepted', 'False', 'NotAllowedByListeners', msg);
/** Route Accepted=False: no listener hostname intersects the route's hostnames. */
export const routeNoMatchingListenerHostname = (msg: string) => c('Accepted', 'False', 'NoMatchingListenerHostname', msg);
/** Route Accepted=False: the parentRef's sectionName or port matches no listener. */
export const routeNoMatchingParent = (msg: string) => c('Accepted', 'False', 'NoMatchingParent', msg);
/** Route Accepted=False: a field value is not supported. */
export const routeUnsupportedValue = (msg: string) => c('Accepted', 'False', 'UnsupportedValue', msg);
/** Route Accepted=False: the parent is not accepted. */
export const routeParentNotAccepted = (msg: string) => c('Accepted', 'False', 'NotAllowedByListeners', msg);
/** Route Accepted=False: conflicts with another route (e.g. a GRPCRoute and an HTTPRoute on one hostname). */
export const routeConflicted = (msg: string) => c('Accepted', 'False', 'Conflicted', msg);
export const routeResolvedRefs = () => c('ResolvedRefs', 'True', 'ResolvedRefs', 'All references are resolved');
/** Route ResolvedRefs=False: a backendRef (or mirror) to another namespace without a ReferenceGrant. */
export const routeRefNotPermitted = (msg: string) => c('ResolvedRefs', 'False', 'RefNotPermitted', msg);
/** Route ResolvedRefs=False: a backendRef of an unknown or unsupported group/kind. */
export const routeInvalidKind = (msg: string) => c('ResolvedRefs', 'False', 'InvalidKind', msg);
/** Route ResolvedRefs=False: a backendRef to an object or port that does not exist. */
export const routeBackendNotFound = (msg: string) => c('ResolvedRefs', 'False', 'BackendNotFound', msg);
/** Route ResolvedRefs=False: the backend's application protocol is not supported. */
export const routeUnsupportedProtocol = (msg: string) => c('ResolvedRefs', 'False', 'UnsupportedProtocol', msg);
/** Route PartiallyInvalid=True: some rules were dropped as invalid, the rest is served. */
export const routePartiallyInvalid = (msg: string) => c('PartiallyInvalid', 'True', 'UnsupportedValue', msg);

// ───────────────────────── BackendTLSPolicy (status.ancestors[].conditions) ─────────────────────────

export const policyAccepted = () => c('Accepted', 'True', 'Accepted', 'Policy is accepted');
/** Policy Accepted=False: another policy targets the same section and takes precedence. */
export const policyConflicted = (msg: string) => c('Accepted', 'False', 'Conflicted', msg);
/** Policy Accepted=False: no valid CA certificate (every caCertificateRef is invalid). */
export const policyNoValidCACertificate = (msg: string) => c('Accepted', 'False', 'NoValidCACertificate', msg);
/** Policy Accepted=False: the target cannot be found. */
export const policyTargetNotFound = (msg: string) => c('Accepted', 'False', 'TargetNotFound', msg);
/** Policy Accepted=False: the policy is invalid (e.g. a target of a kind it cannot apply to). */
export const policyInvalid = (msg: string) => c('Accepted', 'False', 'Invalid', msg);
export const policyResolvedRefs = () => c('ResolvedRefs', 'True', 'ResolvedRefs', 'All references are resolved');
export const policyInvalidCACertificateRef = (msg: string) => c('ResolvedRefs', 'False', 'InvalidCACertificateRef', msg);
export const policyInvalidKind = (msg: string) => c('ResolvedRefs', 'False', 'InvalidKind', msg);

/** Replaces the condition of the same type, or appends it (last wins). */
export function setCondition(list: Condition[], cond: Condition): void {
  const i = list.findIndex((x) => x.type === cond.type);
  if (i >= 0) list[i] = cond;
  else list.push(cond);
}

export function findCondition(list: readonly Condition[], type: string): Condition | undefined {
  return list.find((x) => x.type === type);
}
