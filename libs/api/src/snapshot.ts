import type { KindMap, KindName } from './objects.js';

/**
 * Everything the graph reads, at one moment: one list per kind. A snapshot is plain data (a test
 * fixture is a YAML file of these objects) and is never mutated once built.
 */
export type Snapshot = { readonly [K in KindName]: readonly KindMap[K][] };

export const SNAPSHOT_KINDS: readonly KindName[] = [
  'GatewayClass',
  'Gateway',
  'ListenerSet',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'ReferenceGrant',
  'BackendTLSPolicy',
  'XBackendTrafficPolicy',
  'BackendPolicy',
  'ServiceImport',
  'ServiceExport',
  'Service',
  'EndpointSlice',
  'Secret',
  'ConfigMap',
  'Namespace',
];

export function emptySnapshot(): Snapshot {
  return Object.fromEntries(SNAPSHOT_KINDS.map((k) => [k, []])) as unknown as Snapshot;
}

/** Groups objects by kind into a snapshot; objects of kinds Portway does not read are returned in `ignored`. */
export function snapshotOf(objects: Iterable<{ kind: string }>): { snapshot: Snapshot; ignored: { kind: string }[] } {
  const lists = Object.fromEntries(SNAPSHOT_KINDS.map((k) => [k, [] as unknown[]])) as Record<string, unknown[]>;
  const ignored: { kind: string }[] = [];
  for (const o of objects) {
    const list = lists[o.kind];
    if (list) list.push(o);
    else ignored.push(o);
  }
  return { snapshot: lists as unknown as Snapshot, ignored };
}
