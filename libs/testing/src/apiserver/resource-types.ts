/**
 * The kinds the API-server double serves: one {@link ResourceType} per group and resource, built
 * from CustomResourceDefinitions or from the table of built-in kinds.
 */
import { isRecord } from './json.js';

/** A column of `kubectl get` output (a CRD's `additionalPrinterColumns`). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** Strategic-merge-patch metadata of one list or map field (as the Go struct tags say). */
export interface PatchMeta {
  /** `merge`: lists are merged (by `mergeKey` for lists of objects); `retainKeys`: missing keys are dropped. */
  strategy: 'merge' | 'replace' | 'retainKeys';
  mergeKey?: string;
}

/** One served resource: a kind of a group, at one or more versions. */
export interface ResourceType {
  group: string;
  /** Served versions, the preferred one first. */
  versions: string[];
  /** The version objects are stored at (the CRD's storage version); other versions differ only in `apiVersion` (conversion `None`). */
  storageVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** A `status` subresource exists: the main resource ignores status changes, `/status` ignores everything else. */
  statusSubresource: boolean;
  /** `metadata.generation` is kept (set to 1 on create, bumped when anything but metadata and status changes). */
  generation: boolean;
  /** Printer columns per version (besides NAME; Age is added when absent). */
  printerColumns: Record<string, PrinterColumn[]>;
  /** The OpenAPI v3 schema per version (CRDs only), served by `/openapi/v3`. */
  schemas: Record<string, unknown>;
  /** Field selectors accepted besides `metadata.name` and `metadata.namespace`, as dotted paths. */
  fieldSelectors: string[];
  /** Strategic-merge-patch metadata by dotted field path (`spec.ports`), for built-in kinds; a CRD has none (kubectl sends merge patches). */
  patchMeta?: Record<string, PatchMeta>;
  /** Versions marked deprecated, with their warning. */
  deprecated: Record<string, string>;
  /** True for kinds defined by a CustomResourceDefinition. */
  custom: boolean;
}

/** `group/plural` (`/plural` for the core group): the key of a resource in the store. */
export const resourceId = (r: { group: string; plural: string }): string => `${r.group}/${r.plural}`;

/** `plural.group` (or `plural` in the core group), as error messages name a resource. */
export const qualifiedResource = (r: { group: string; plural: string }): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

/** `Kind.group` (or `Kind`), as validation messages name a kind. */
export const qualifiedKind = (r: { group: string; kind: string }): string => (r.group ? `${r.kind}.${r.group}` : r.kind);

/** `group/version`, or `version` for the core group. */
export const apiVersionOf = (group: string, version: string): string => (group ? `${group}/${version}` : version);


/** The version priority Kubernetes uses to sort versions (GA > beta > alpha, higher numbers first). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [1, stage, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 4; i++) {
    if (pa[i] !== pb[i]) return (pa[i] as number) > (pb[i] as number) ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A {@link ResourceType} from a CustomResourceDefinition object (apiextensions.k8s.io/v1). Throws on a malformed CRD. */
export function resourceTypeFromCrd(crd: unknown): ResourceType {
  if (!isRecord(crd) || crd.kind !== 'CustomResourceDefinition' || !isRecord(crd.spec)) throw new Error('not a CustomResourceDefinition');
  const spec = crd.spec;
  const names = spec.names;
  if (typeof spec.group !== 'string' || !isRecord(names) || typeof names.kind !== 'string' || typeof names.plural !== 'string') {
    throw new Error(`CustomResourceDefinition ${String(crd.metadata?.name)}: spec.group, spec.names.kind and spec.names.plural are required`);
  }
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter((v: any) => isRecord(v) && v.served !== false);
  if (versions.length === 0) throw new Error(`CustomResourceDefinition ${String(crd.metadata?.name)} serves no version`);
  const storage = versions.find((v: any) => v.storage === true) ?? versions[0];
  const printerColumns: Record<string, PrinterColumn[]> = {};
  const schemas: Record<string, unknown> = {};
  const deprecated: Record<string, string> = {};
  for (const v of versions) {
    printerColumns[v.name] = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
    schemas[v.name] = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    if (v.deprecated) deprecated[v.name] = v.deprecationWarning ?? `${spec.group}/${v.name} ${names.kind} is deprecated`;
  }
  const selectable = versions.flatMap((v: any) => (Array.isArray(v.selectableFields) ? v.selectableFields.map((f: any) => String(f.jsonPath).replace(/^\./, '')) : []));
  return {
    group: spec.group,
    versions: versions.map((v: any) => String(v.name)).sort(compareVersions),
    storageVersion: String(storage.name),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: spec.scope !== 'Cluster',
    statusSubresource: versions.some((v: any) => isRecord(v.subresources) && 'status' in v.subresources),
    generation: true,
    printerColumns,
    schemas,
    fieldSelectors: [...new Set<string>(selectable)],
    deprecated,
    custom: true,
  };
}
