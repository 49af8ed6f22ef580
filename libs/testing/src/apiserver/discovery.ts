/**
 * Discovery documents: legacy (`/api`, `/apis`, `/apis/<group>/<version>`) and aggregated
 * (`apidiscovery.k8s.io/v2`, which kubectl ≥ 1.30 asks for in its Accept header on `/api` and `/apis`).
 */
import { apiVersionOf, compareVersions, type ResourceType } from './resource-types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** The aggregated discovery media type, if the Accept header asks for it (v2, then v2beta1). */
export function aggregatedDiscoveryType(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  for (const v of ['v2', 'v2beta1']) {
    if (accept.split(',').some((part) => part.includes('g=apidiscovery.k8s.io') && part.includes(`v=${v}`) && part.includes('as=APIGroupDiscoveryList'))) {
      return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
    }
  }
  return undefined;
}

function groupsOf(types: readonly ResourceType[], core: boolean): Map<string, ResourceType[]> {
  const groups = new Map<string, ResourceType[]>();
  for (const t of types) {
    if ((t.group === '') !== core) continue;
    groups.set(t.group, [...(groups.get(t.group) ?? []), t]);
  }
  return groups;
}

/** Versions of a group, preferred first. */
export function groupVersions(types: readonly ResourceType[]): string[] {
  return [...new Set(types.flatMap((t) => t.versions))].sort(compareVersions);
}

/** `GET /api` (legacy). */
export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `GET /apis` (legacy). */
export function apiGroupList(types: readonly ResourceType[]): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsOf(types, false).entries()].map(([g, ts]) => apiGroup(g, ts)) };
}

/** `GET /apis/<group>`. */
export function apiGroup(group: string, types: readonly ResourceType[]): Record<string, unknown> {
  const versions = groupVersions(types).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

/** `GET /api/v1` or `/apis/<group>/<version>`: the resources of one group version (main resources before subresources). */
export function apiResourceList(group: string, version: string, types: readonly ResourceType[]): unknown {
  const served = types.filter((t) => t.group === group && t.versions.includes(version));
  const resources = served.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    },
    ...(t.statusSubresource ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: STATUS_VERBS }] : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** Aggregated discovery of the core group (`/api`) or of every other group (`/apis`). */
export function aggregatedDiscovery(types: readonly ResourceType[], core: boolean, mediaType: string): unknown {
  const apiVersion = mediaType.includes('v=v2beta1') ? 'apidiscovery.k8s.io/v2beta1' : 'apidiscovery.k8s.io/v2';
  const items = [...groupsOf(types, core).entries()].map(([group, ts]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: groupVersions(ts).map((version) => ({
      version,
      resources: ts
        .filter((t) => t.versions.includes(version))
        .map((t) => {
          const responseKind = { group, version, kind: t.kind };
          return {
            resource: t.plural,
            responseKind,
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: VERBS,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length ? { categories: t.categories } : {}),
            ...(t.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
          };
        }),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
}
