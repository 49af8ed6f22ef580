/**
 * What the source keeps of each object (pure functions). Portway processes only its own
 * GatewayClasses, their Gateways and ListenerSets, routes that may attach to them, and the Secrets and
 * ConfigMaps they reference; everything else is kept as a small stub (metadata plus the few fields
 * these decisions read), so a cluster full of another implementation's routes or of unrelated
 * Secrets costs little memory. When a stub starts to matter (a Gateway moves to a Portway class, a
 * listener references a Secret), the source fetches the full object again.
 */
import type { AnyObject } from '@portway/api';
import { ROUTE_KINDS } from './watched-kinds.js';

/** A parentRef as the retention decision reads it. */
export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The fields of an object that retention decisions read; kept for every object, full or not. */
export interface Stub {
  kind: string;
  namespace?: string;
  name: string;
  resourceVersion?: string;
  /** GatewayClass `spec.controllerName`. */
  controllerName?: string;
  /** Gateway `spec.gatewayClassName`. */
  gatewayClassName?: string;
  /** Route `spec.parentRefs`, ListenerSet `spec.parentRef`, with defaults applied. */
  parentRefs?: ParentRef[];
}

/** Who owns what, derived from the full objects the source holds. */
export interface RetentionPolicy {
  controllerName: string;
  /** Names of Portway's GatewayClasses. */
  classes: ReadonlySet<string>;
  /** `namespace/name` of every known Gateway and whether it is Portway's. */
  gateways: ReadonlyMap<string, boolean>;
  /** `namespace/name` of every known ListenerSet and whether its parent Gateway is Portway's (or unknown). */
  listenerSets: ReadonlyMap<string, boolean>;
  /** `Secret/namespace/name` and `ConfigMap/namespace/name` of every referenced object. */
  referenced: ReadonlySet<string>;
}

const GW_GROUP = 'gateway.networking.k8s.io';
const isRecord = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parentRef(ref: unknown, namespace: string | undefined): ParentRef | undefined {
  if (!isRecord(ref) || typeof ref.name !== 'string') return undefined;
  return { group: ref.group ?? GW_GROUP, kind: ref.kind ?? 'Gateway', namespace: ref.namespace ?? namespace ?? '', name: ref.name };
}

/** The stub of an object (as the API server sends it). */
export function stubOf(o: { kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string }; spec?: unknown }): Stub {
  const spec = isRecord(o.spec) ? o.spec : {};
  const ns = o.metadata.namespace;
  const stub: Stub = { kind: o.kind, name: o.metadata.name, ...(ns ? { namespace: ns } : {}), ...(o.metadata.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}) };
  if (o.kind === 'GatewayClass' && typeof spec.controllerName === 'string') stub.controllerName = spec.controllerName;
  if (o.kind === 'Gateway' && typeof spec.gatewayClassName === 'string') stub.gatewayClassName = spec.gatewayClassName;
  if (ROUTE_KINDS.has(o.kind) && Array.isArray(spec.parentRefs)) stub.parentRefs = spec.parentRefs.map((r: unknown) => parentRef(r, ns)).filter((r): r is ParentRef => !!r);
  if (o.kind === 'ListenerSet') {
    const p = parentRef(spec.parentRef, ns);
    if (p) stub.parentRefs = [p];
  }
  return stub;
}

/** Keys (`Kind/namespace/name`) of the Secrets and ConfigMaps an object references (certificateRefs, caCertificateRefs, clientCertificateRef), wherever they appear in its spec. */
export function referencedObjects(o: { kind: string; metadata: { namespace?: string }; spec?: unknown }): string[] {
  const out: string[] = [];
  const ns = o.metadata.namespace ?? '';
  const add = (ref: unknown, defaultKind: string) => {
    if (!isRecord(ref) || typeof ref.name !== 'string') return;
    const group = ref.group ?? '';
    const kind = ref.kind ?? defaultKind;
    if (group !== '' || (kind !== 'Secret' && kind !== 'ConfigMap')) return;
    out.push(`${kind}/${ref.namespace ?? ns}/${ref.name}`);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'certificateRefs' && Array.isArray(x)) x.forEach((r) => add(r, 'Secret'));
        else if (k === 'caCertificateRefs' && Array.isArray(x)) x.forEach((r) => add(r, 'ConfigMap'));
        else if (k === 'clientCertificateRef') add(x, 'Secret');
        else walk(x);
      }
    }
  };
  walk(o.spec);
  return out;
}

/**
 * The policy implied by the current objects: `stubs` of every object, `full` the full objects held.
 * Only Portway's Gateways, ListenerSets attached to them, and BackendTLSPolicies contribute references.
 */
export function derivePolicy(controllerName: string, stubs: Iterable<Stub>, full: Iterable<AnyObject>): RetentionPolicy {
  const classes = new Set<string>();
  const gatewayClass = new Map<string, string | undefined>();
  const lsParents = new Map<string, ParentRef | undefined>();
  for (const s of stubs) {
    if (s.kind === 'GatewayClass' && s.controllerName === controllerName) classes.add(s.name);
    if (s.kind === 'Gateway') gatewayClass.set(`${s.namespace}/${s.name}`, s.gatewayClassName);
    if (s.kind === 'ListenerSet') lsParents.set(`${s.namespace}/${s.name}`, s.parentRefs?.[0]);
  }
  const gateways = new Map<string, boolean>();
  for (const [k, c] of gatewayClass) gateways.set(k, c !== undefined && classes.has(c));
  const listenerSets = new Map<string, boolean>();
  for (const [k, p] of lsParents) listenerSets.set(k, !p || p.kind !== 'Gateway' || gateways.get(`${p.namespace}/${p.name}`) !== false);
  const referenced = new Set<string>();
  for (const o of full) {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const counts =
      o.kind === 'BackendTLSPolicy' || (o.kind === 'Gateway' && gateways.get(key) === true) || (o.kind === 'ListenerSet' && listenerSets.get(key) === true);
    if (counts) for (const r of referencedObjects(o)) referenced.add(r);
  }
  return { controllerName, classes, gateways, listenerSets, referenced };
}

/** Whether the source keeps this object in full (and Portway processes it). */
export function keepsFull(stub: Stub, policy: RetentionPolicy): boolean {
  const key = `${stub.namespace}/${stub.name}`;
  switch (stub.kind) {
    case 'GatewayClass':
      return stub.controllerName === policy.controllerName;
    case 'Gateway':
      return policy.gateways.get(key) === true;
    case 'ListenerSet':
      return policy.listenerSets.get(key) !== false;
    case 'Secret':
    case 'ConfigMap':
      return policy.referenced.has(`${stub.kind}/${key}`);
    default:
      if (!ROUTE_KINDS.has(stub.kind)) return true;
      // A route is left out only when every parent is known to be someone else's.
      return !(stub.parentRefs ?? []).length || (stub.parentRefs ?? []).some((p) => !isForeign(p, policy));
  }
}

function isForeign(p: ParentRef, policy: RetentionPolicy): boolean {
  if (p.group !== GW_GROUP) return false;
  const key = `${p.namespace}/${p.name}`;
  if (p.kind === 'Gateway') return policy.gateways.get(key) === false;
  if (p.kind === 'ListenerSet') return policy.listenerSets.get(key) === false;
  return false;
}
