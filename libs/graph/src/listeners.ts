import { GATEWAY_GROUP, type Gateway, type ReferenceGrant, type RouteKind } from '@portway/api';
import { checkCertificateKeyPair, parseCertificateBundle } from './certificates.js';
import * as cond from './conditions.js';
import type { Condition } from './conditions.js';
import type { Resources } from './resources.js';
import { referenceAllowed } from './reference-grants.js';
import type { CertificateKeyPair, GroupKind, ListenerNode, ObjectRef } from './types.js';

/** A listener as written in a Gateway or a ListenerSet (the two share this shape). */
export type ListenerSpec = Gateway['spec']['listeners'][number];

/** Route kinds each protocol can carry (before narrowing to what the data plane supports). */
const PROTOCOL_KINDS: Readonly<Record<string, readonly RouteKind[]>> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** Gateway `spec.tls.frontend`: client certificate validation, by port or default. */
export type FrontendTls = NonNullable<NonNullable<Gateway['spec']['tls']>['frontend']>;

export interface ListenerContext {
  owner: ObjectRef;
  /** The Gateway's client certificate validation settings (ListenerSet listeners use their Gateway's). */
  frontend?: FrontendTls;
  /** The Gateway's namespace (frontend CA references are relative to it). */
  gatewayNamespace: string;
  gateway: string;
  resources: Resources;
  grants: readonly ReferenceGrant[];
  routeKinds: readonly RouteKind[];
}

/**
 * Builds one listener node: protocol support, allowed route kinds, TLS certificate references.
 * Conflicts between listeners are decided afterwards, across the whole set (`resolveConflicts`).
 */
export function buildListener(spec: ListenerSpec, ctx: ListenerContext): ListenerNode {
  const node: ListenerNode = {
    key: `${ctx.owner.namespace}/${ctx.owner.name}/${spec.name}`,
    name: spec.name,
    owner: ctx.owner,
    gateway: ctx.gateway,
    port: spec.port,
    protocol: spec.protocol,
    ...(spec.hostname !== undefined && usesHostname(spec.protocol) ? { hostname: spec.hostname.toLowerCase() } : {}),
    certificates: [],
    allowedNamespaces: {
      from: spec.allowedRoutes?.namespaces?.from ?? 'Same',
      ...(spec.allowedRoutes?.namespaces?.selector ? { selector: spec.allowedRoutes.namespaces.selector } : {}),
    },
    supportedKinds: [],
    accepted: true,
    resolvedRefs: true,
    conditions: [],
    attachedRoutes: 0,
  };

  const protocolKinds = (PROTOCOL_KINDS[spec.protocol] ?? []).filter((k) => ctx.routeKinds.includes(k));
  if (protocolKinds.length === 0) {
    node.accepted = false;
    node.conditions.push(
      cond.listenerUnsupportedProtocol(`Protocol "${spec.protocol}" is not supported`),
      cond.listenerNoConflicts(),
      cond.listenerResolvedRefs(),
    );
    return node;
  }

  const problems: Condition[] = [];
  node.supportedKinds = supportedKinds(spec, protocolKinds, problems);

  if (spec.protocol === 'HTTPS' || spec.protocol === 'TLS') {
    const mode = spec.tls?.mode ?? 'Terminate';
    node.tlsMode = mode;
    if (spec.protocol === 'HTTPS' && mode !== 'Terminate') {
      node.accepted = false;
      node.conditions.push(cond.listenerUnsupportedValue('HTTPS listeners must use TLS mode Terminate'));
    }
    if (mode === 'Terminate') node.certificates = resolveCertificates(spec, ctx, problems);
    if (spec.protocol === 'HTTPS') {
      const validation = frontendValidation(spec.port, ctx, problems);
      if (validation === 'invalid') {
        node.accepted = false;
        node.conditions.push(cond.listenerNoValidCACertificate('No valid CA certificate for client certificate validation on this port'));
      } else if (validation) {
        node.frontendValidation = validation;
      }
    }
  }

  if (!node.conditions.some((c) => c.type === 'Accepted')) node.conditions.push(cond.listenerAccepted());
  node.conditions.push(cond.listenerNoConflicts());
  if (problems.length > 0) {
    node.resolvedRefs = false;
    node.conditions.push(problems[0]!);
  } else {
    node.conditions.push(cond.listenerResolvedRefs());
  }
  return node;
}

function usesHostname(protocol: string): boolean {
  return protocol === 'HTTP' || protocol === 'HTTPS' || protocol === 'TLS';
}

function supportedKinds(spec: ListenerSpec, protocolKinds: readonly RouteKind[], problems: Condition[]): GroupKind[] {
  const requested = spec.allowedRoutes?.kinds;
  if (!requested || requested.length === 0) return protocolKinds.map((kind) => ({ group: GATEWAY_GROUP, kind }));
  const out: GroupKind[] = [];
  const invalid: string[] = [];
  for (const k of requested) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && (protocolKinds as readonly string[]).includes(k.kind)) {
      if (!out.some((o) => o.kind === k.kind)) out.push({ group, kind: k.kind });
    } else {
      invalid.push(group ? `${group}/${k.kind}` : k.kind);
    }
  }
  if (invalid.length > 0) {
    problems.push(cond.listenerInvalidRouteKinds(`Route kinds not supported on ${spec.protocol} listeners: ${invalid.join(', ')}`));
  }
  return out;
}

function resolveCertificates(spec: ListenerSpec, ctx: ListenerContext, problems: Condition[]): CertificateKeyPair[] {
  const refs = spec.tls?.certificateRefs ?? [];
  if (refs.length === 0) {
    problems.push(cond.listenerInvalidCertificateRef('TLS termination needs at least one certificateRef'));
    return [];
  }
  const out: CertificateKeyPair[] = [];
  for (const ref of refs) {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Secret';
    const namespace = ref.namespace ?? ctx.owner.namespace;
    const where = `${namespace}/${ref.name}`;
    if (group !== '' || kind !== 'Secret') {
      problems.push(cond.listenerInvalidCertificateRef(`Unsupported certificateRef kind ${group ? `${group}/` : ''}${kind} (${where}): only core Secrets are supported`));
      continue;
    }
    const allowed = referenceAllowed(
      ctx.grants,
      { group: GATEWAY_GROUP, kind: ctx.owner.kind, namespace: ctx.owner.namespace },
      { group: '', kind: 'Secret', namespace, name: ref.name },
    );
    if (!allowed) {
      problems.push(cond.listenerRefNotPermitted(`Secret ${where} is in another namespace and no ReferenceGrant allows the reference`));
      continue;
    }
    const secret = ctx.resources.get('Secret', namespace, ref.name);
    if (!secret) {
      problems.push(cond.listenerInvalidCertificateRef(`Secret ${where} does not exist`));
      continue;
    }
    const certificate = ctx.resources.secretValue(namespace, ref.name, 'tls.crt');
    const privateKey = ctx.resources.secretValue(namespace, ref.name, 'tls.key');
    const error = checkCertificateKeyPair(certificate, privateKey);
    if (error) {
      problems.push(cond.listenerInvalidCertificateRef(`Secret ${where}: ${error}`));
      continue;
    }
    out.push({ certificate: certificate!, privateKey: privateKey! });
  }
  return out;
}

/**
 * Client certificate validation for an HTTPS listener: the Gateway's per-port settings for its
 * port, else the default. CA references are ConfigMaps (`ca.crt`) in the Gateway's namespace or,
 * with a ReferenceGrant, another one. Returns 'invalid' when validation is configured but no CA
 * certificate is usable (the listener must then not serve: never fall back to no validation).
 */
function frontendValidation(
  port: number,
  ctx: ListenerContext,
  problems: Condition[],
): ListenerNode['frontendValidation'] | 'invalid' | undefined {
  const f = ctx.frontend;
  const config = f?.perPort?.find((p) => p.port === port)?.tls ?? f?.default;
  const v = config?.validation;
  if (!v || !v.caCertificateRefs?.length) return undefined;
  const caCertificates: string[] = [];
  for (const ref of v.caCertificateRefs) {
    const namespace = ref.namespace ?? ctx.gatewayNamespace;
    const where = `${namespace}/${ref.name}`;
    if (ref.group !== '' || ref.kind !== 'ConfigMap') {
      problems.push(cond.listenerInvalidCACertificateKind(`caCertificateRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${where}: only ConfigMaps are supported`));
      continue;
    }
    if (!referenceAllowed(ctx.grants, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ctx.gatewayNamespace }, { group: '', kind: 'ConfigMap', namespace, name: ref.name })) {
      problems.push(cond.listenerRefNotPermitted(`ConfigMap ${where} is in another namespace and no ReferenceGrant allows the reference`));
      continue;
    }
    const bundle = parseCertificateBundle(ctx.resources.get('ConfigMap', namespace, ref.name)?.data?.['ca.crt']);
    if ('error' in bundle) {
      problems.push(cond.listenerInvalidCACertificateRef(`ConfigMap ${where}: ${ctx.resources.get('ConfigMap', namespace, ref.name) ? bundle.error : 'does not exist'}`));
      continue;
    }
    caCertificates.push(...bundle.certificates);
  }
  if (caCertificates.length === 0) return 'invalid';
  return { caCertificates, mode: v.mode ?? 'AllowValidOnly' };
}

// ───────────────────────────── conflicts ─────────────────────────────

type ConflictKind = 'ProtocolConflict' | 'HostnameConflict';

/** Which listeners can share a port: HTTP alone; HTTPS and TLS together (told apart by SNI); TCP and UDP alone. */
function protocolFamily(protocol: string): string {
  if (protocol === 'HTTPS' || protocol === 'TLS') return 'tls';
  return protocol;
}

function conflict(a: ListenerNode, b: ListenerNode): ConflictKind | undefined {
  if (a.port !== b.port) return undefined;
  const udpA = a.protocol === 'UDP';
  const udpB = b.protocol === 'UDP';
  if (udpA !== udpB) return undefined; // different transports never collide
  if (protocolFamily(a.protocol) !== protocolFamily(b.protocol)) return 'ProtocolConflict';
  if (a.protocol === 'TCP' || a.protocol === 'UDP') return 'ProtocolConflict'; // distinct by port only
  return (a.hostname ?? '') === (b.hostname ?? '') ? 'HostnameConflict' : undefined;
}

/**
 * Marks conflicted listeners. `groups` are in precedence order: the Gateway's own listeners,
 * then each ListenerSet's. A listener that conflicts with an accepted listener of an earlier
 * group is conflicted (the earlier one wins); listeners of one group that conflict with each
 * other are all conflicted (no winner is picked among them, as the spec requires).
 */
export function resolveConflicts(groups: readonly (readonly ListenerNode[])[]): void {
  const accepted: ListenerNode[] = [];
  for (const group of groups) {
    const marks = new Map<ListenerNode, { kind: ConflictKind; with: ListenerNode }>();
    const candidates = group.filter((l) => l.accepted);
    for (const l of candidates) {
      const other = accepted.find((a) => conflict(l, a) !== undefined);
      if (other) marks.set(l, { kind: conflict(l, other)!, with: other });
    }
    const remaining = candidates.filter((l) => !marks.has(l));
    for (let i = 0; i < remaining.length; i++) {
      for (let j = i + 1; j < remaining.length; j++) {
        const a = remaining[i]!;
        const b = remaining[j]!;
        const kind = conflict(a, b);
        if (!kind) continue;
        if (!marks.has(a)) marks.set(a, { kind, with: b });
        if (!marks.has(b)) marks.set(b, { kind, with: a });
      }
    }
    for (const [l, m] of marks) {
      const msg =
        m.kind === 'ProtocolConflict'
          ? `Port ${l.port}: protocol ${l.protocol} conflicts with listener ${m.with.key} (${m.with.protocol})`
          : `Port ${l.port}: hostname "${l.hostname ?? ''}" is also used by listener ${m.with.key}`;
      l.accepted = false;
      l.conditions = l.conditions.filter((c) => c.type !== 'Accepted' && c.type !== 'Conflicted');
      const [acceptedCond, conflictedCond] =
        m.kind === 'ProtocolConflict' ? cond.listenerProtocolConflict(msg) : cond.listenerHostnameConflict(msg);
      l.conditions.unshift(acceptedCond!, conflictedCond!);
    }
    accepted.push(...candidates.filter((l) => !marks.has(l)));
  }
}
