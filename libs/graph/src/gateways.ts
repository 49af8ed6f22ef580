import { GATEWAY_GROUP, type Gateway, type GatewayClass, type ListenerSet } from '@portway/api';
import * as cond from './conditions.js';
import { buildListener, resolveConflicts, type ListenerContext, type ListenerSpec } from './listeners.js';
import { compareCreation } from './order.js';
import { selectorMatches } from './selectors.js';
import type { Resources } from './resources.js';
import type { CertificateKeyPair, GatewayClassNode, GatewayNode, GraphOptions, ListenerNode, ListenerSetNode } from './types.js';
import { checkCertificateKeyPair } from './certificates.js';
import { referenceAllowed } from './reference-grants.js';
import type { ReferenceGrant } from '@portway/api';

/** GatewayClasses managed by this controller (others are left alone, without status). */
export function buildGatewayClasses(classes: readonly GatewayClass[], options: GraphOptions): GatewayClassNode[] {
  return classes
    .filter((gc) => gc.spec.controllerName === options.controllerName)
    .map((gc) => {
      const ref = gc.spec.parametersRef;
      const accepted = !ref;
      const conditions = [
        ref
          ? cond.gatewayClassInvalidParameters(
              `parametersRef ${ref.group}/${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} is not supported: Portway takes no GatewayClass parameters`,
            )
          : cond.gatewayClassAccepted(),
        cond.gatewayClassSupportedVersion(),
      ];
      return { source: gc, accepted, conditions };
    });
}

interface GatewayInputs {
  gateways: readonly Gateway[];
  listenerSets: readonly ListenerSet[];
  classes: readonly GatewayClassNode[];
  resources: Resources;
  grants: readonly ReferenceGrant[];
  options: GraphOptions;
}

/**
 * Builds the Gateways of Portway's classes with their listeners, then the ListenerSets that
 * attach to them. Listener conflicts are resolved across a Gateway's whole listener set (its
 * own listeners first, then ListenerSets oldest first), so ListenerSets are built here too.
 */
export function buildGateways(inputs: GatewayInputs): { gateways: GatewayNode[]; listenerSets: ListenerSetNode[] } {
  const classes = new Map(inputs.classes.map((c) => [c.source.metadata.name, c]));
  const gateways: GatewayNode[] = [];
  const listenerSets: ListenerSetNode[] = [];
  const sortedSets = [...inputs.listenerSets].sort(compareCreation);

  for (const gw of inputs.gateways) {
    const gwClass = classes.get(gw.spec.gatewayClassName);
    if (!gwClass) continue; // not ours
    const namespace = gw.metadata.namespace ?? 'default';
    const key = `${namespace}/${gw.metadata.name}`;
    const ctx: ListenerContext = {
      owner: { kind: 'Gateway', namespace, name: gw.metadata.name },
      gatewayNamespace: namespace,
      ...(gw.spec.tls?.frontend ? { frontend: gw.spec.tls.frontend } : {}),
      gateway: key,
      resources: inputs.resources,
      grants: inputs.grants,
      routeKinds: inputs.options.routeKinds,
    };
    const own = gw.spec.listeners.map((l) => buildListener(l, ctx));

    // ListenerSets whose parentRef names this Gateway.
    const sets: ListenerSetNode[] = [];
    for (const ls of sortedSets) {
      const p = ls.spec.parentRef;
      const lsNamespace = ls.metadata.namespace ?? 'default';
      if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') continue;
      if ((p.namespace ?? lsNamespace) !== namespace || p.name !== gw.metadata.name) continue;
      const lsKey = `${lsNamespace}/${ls.metadata.name}`;
      const node: ListenerSetNode = { source: ls, key: lsKey, gateway: key, accepted: false, conditions: [], listeners: [] };
      if (!listenerSetAllowed(gw, lsNamespace, inputs.resources)) {
        node.conditions.push(cond.listenerSetNotAllowed(`Gateway ${key} does not allow ListenerSets from namespace ${lsNamespace}`));
      } else {
        node.listeners = ls.spec.listeners.map((l) =>
          buildListener(l as ListenerSpec, { ...ctx, owner: { kind: 'ListenerSet', namespace: lsNamespace, name: ls.metadata.name } }),
        );
      }
      sets.push(node);
    }

    resolveConflicts([own, ...sets.filter((s) => s.listeners.length > 0).map((s) => s.listeners)]);

    for (const s of sets) {
      if (s.conditions.length > 0) continue; // not allowed
      if (s.listeners.every(isUsable)) {
        s.accepted = true;
        s.conditions.push(cond.listenerSetAccepted());
      } else {
        s.accepted = s.listeners.some(isServable);
        s.conditions.push(cond.listenerSetListenersNotValid(s.accepted, invalidListenersMessage(s.listeners)));
      }
    }
    listenerSets.push(...sets);

    const node: GatewayNode = {
      source: gw,
      key,
      accepted: false,
      conditions: [],
      listeners: [...own, ...sets.filter((s) => s.accepted).flatMap((s) => s.listeners)],
      attachedListenerSets: sets.filter((s) => s.accepted).map((s) => s.key),
    };
    node.conditions.push(gatewayAcceptance(gw, gwClass, own));
    node.accepted = node.conditions[0]!.status === 'True';
    const client = backendClientCertificate(gw, namespace, inputs.resources, inputs.grants);
    if ('problem' in client) node.conditions.push(client.problem);
    else {
      node.conditions.push(cond.gatewayResolvedRefs());
      if (client.pair) node.backendClientCertificate = client.pair;
    }
    if (node.listeners.some((l) => l.frontendValidation?.mode === 'AllowInsecureFallback')) {
      node.conditions.push(
        cond.gatewayInsecureFrontendValidation('Client certificate validation allows clients without a valid certificate (AllowInsecureFallback)'),
      );
    }
    gateways.push(node);
  }

  // ListenerSets whose parent is not one of Portway's Gateways get no status from Portway.
  return { gateways, listenerSets };
}

/** A listener is fully valid when it is accepted and every reference resolved. */
export function isUsable(l: ListenerNode): boolean {
  return l.accepted && l.resolvedRefs;
}

/**
 * A listener can be served when it is accepted, carries at least one route kind and, when it
 * terminates TLS, has at least one valid certificate (unresolved extra references do not stop it).
 */
export function isServable(l: ListenerNode): boolean {
  if (!l.accepted || l.supportedKinds.length === 0) return false;
  return !(l.tlsMode === 'Terminate' && l.certificates.length === 0);
}

function invalidListenersMessage(listeners: readonly ListenerNode[]): string {
  const bad = listeners.filter((l) => !isUsable(l)).map((l) => l.name);
  const good = listeners.filter(isUsable).map((l) => l.name);
  return `Invalid listeners: ${bad.join(', ')}${good.length ? `; valid listeners: ${good.join(', ')}` : ''}`;
}

function gatewayAcceptance(gw: Gateway, gwClass: GatewayClassNode, own: readonly ListenerNode[]): cond.Condition {
  if (!gwClass.accepted) return cond.gatewayClassNotAccepted(`GatewayClass ${gwClass.source.metadata.name} is not accepted`);
  const params = gw.spec.infrastructure?.parametersRef;
  if (params) {
    return cond.gatewayInvalidParameters(
      `infrastructure.parametersRef ${params.group}/${params.kind} ${params.name} is not supported: Portway takes no Gateway parameters`,
    );
  }
  const addressProblem = unsupportedAddress(gw);
  if (addressProblem) return cond.gatewayUnsupportedAddress(addressProblem);
  if (own.every(isUsable)) return cond.gatewayAccepted();
  return cond.gatewayListenersNotValid(own.some(isServable), invalidListenersMessage(own));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Portway binds IP addresses only; a Hostname or named address cannot be honoured. */
function unsupportedAddress(gw: Gateway): string | undefined {
  for (const a of (gw.spec.addresses ?? []) as { type?: string; value?: unknown }[]) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress') return `Address type ${type} is not supported: Portway binds IP addresses`;
    if (typeof a.value === 'string' && a.value !== '' && !IPV4.test(a.value) && !a.value.includes(':')) {
      return `Address ${a.value} is not a valid IP address`;
    }
  }
  return undefined;
}

/** `spec.tls.backend.clientCertificateRef`: the certificate the Gateway presents to TLS backends. */
function backendClientCertificate(
  gw: Gateway,
  namespace: string,
  resources: Resources,
  grants: readonly ReferenceGrant[],
): { pair?: CertificateKeyPair } | { problem: cond.Condition } {
  const ref = gw.spec.tls?.backend?.clientCertificateRef;
  if (!ref) return {};
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const ns = ref.namespace ?? namespace;
  const where = `${ns}/${ref.name}`;
  if (group !== '' || kind !== 'Secret') {
    return { problem: cond.gatewayInvalidClientCertificateRef(`clientCertificateRef ${group ? `${group}/` : ''}${kind} ${where}: only core Secrets are supported`) };
  }
  if (!referenceAllowed(grants, { group: GATEWAY_GROUP, kind: 'Gateway', namespace }, { group: '', kind: 'Secret', namespace: ns, name: ref.name })) {
    return { problem: cond.gatewayRefNotPermitted(`Secret ${where} is in another namespace and no ReferenceGrant allows the reference`) };
  }
  if (!resources.get('Secret', ns, ref.name)) return { problem: cond.gatewayInvalidClientCertificateRef(`Secret ${where} does not exist`) };
  const certificate = resources.secretValue(ns, ref.name, 'tls.crt');
  const privateKey = resources.secretValue(ns, ref.name, 'tls.key');
  const error = checkCertificateKeyPair(certificate, privateKey);
  if (error) return { problem: cond.gatewayInvalidClientCertificateRef(`Secret ${where}: ${error}`) };
  return { pair: { certificate: certificate!, privateKey: privateKey! } };
}

function listenerSetAllowed(gw: Gateway, lsNamespace: string, resources: Resources): boolean {
  const ns = gw.spec.allowedListeners?.namespaces;
  const from = ns?.from ?? 'None';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return lsNamespace === (gw.metadata.namespace ?? 'default');
    case 'Selector':
      return selectorMatches(ns?.selector, resources.namespaceLabels(lsNamespace));
    default:
      return false;
  }
}
