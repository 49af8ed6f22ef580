/**
 * The kinds admission knows: each Gateway API and MCS kind Portway reads, at every version its CRD
 * serves (schemas embedded from the upstream CRDs), and the core kinds with Portway's own concise
 * schemas. Looked up by `apiVersion` and `kind`.
 */
import { CORE_KINDS, type CoreKind } from './core-kinds.js';
import { EMBEDDED_CRDS } from './crd-schemas/index.js';
import type { NameRule } from './names.js';
import { KIND_GROUPS, isKindName, type KindName } from './objects.js';
import type { StructuralSchema } from './schema-types.js';

/** Everything admission needs to know about one kind at one version. */
export interface KindVersion {
  kind: KindName;
  group: string;
  version: string;
  namespaced: boolean;
  nameRule: NameRule;
  /** The root schema, with `metadata` left to ObjectMeta handling. */
  schema: StructuralSchema;
  deprecated: boolean;
  /** Some node of the schema has CEL rules. */
  hasRules: boolean;
  core?: CoreKind;
}

/** True when some node of `schema` has CEL rules. */
function schemaHasRules(s: StructuralSchema | undefined): boolean {
  return (
    !!s &&
    (!!s['x-kubernetes-validations']?.length ||
      Object.values(s.properties ?? {}).some(schemaHasRules) ||
      schemaHasRules(s.items) ||
      (typeof s.additionalProperties === 'object' && schemaHasRules(s.additionalProperties)))
  );
}

const META_PASSTHROUGH: StructuralSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function withMetadataPassthrough(schema: StructuralSchema): StructuralSchema {
  return { ...schema, properties: { ...schema.properties, metadata: META_PASSTHROUGH } };
}

const registry = new Map<string, KindVersion>();
const versionsByKind = new Map<string, string[]>();

function register(kv: Omit<KindVersion, 'hasRules'>): void {
  const apiVersion = kv.group ? `${kv.group}/${kv.version}` : kv.version;
  registry.set(`${apiVersion}|${kv.kind}`, { ...kv, hasRules: schemaHasRules(kv.schema) });
  versionsByKind.set(kv.kind, [...(versionsByKind.get(kv.kind) ?? []), apiVersion]);
}

for (const crd of EMBEDDED_CRDS) {
  if (!isKindName(crd.kind) || KIND_GROUPS[crd.kind] !== crd.group) continue;
  for (const v of crd.versions) {
    register({
      kind: crd.kind,
      group: crd.group,
      version: v.name,
      namespaced: crd.scope === 'Namespaced',
      nameRule: 'dns1123Subdomain',
      schema: withMetadataPassthrough(v.schema),
      deprecated: v.deprecated,
    });
  }
}
for (const [kind, core] of Object.entries(CORE_KINDS)) {
  if (!isKindName(kind)) continue;
  for (const version of core.versions) {
    register({ kind, group: core.group, version, namespaced: core.namespaced, nameRule: core.nameRule, schema: core.schema, deprecated: false, core });
  }
}

/** The kind at `apiVersion`, or undefined when Portway does not read it at that version. */
export function lookupKind(apiVersion: string, kind: string): KindVersion | undefined {
  return registry.get(`${apiVersion}|${kind}`);
}

/** Every apiVersion a kind is accepted at (empty when the kind is unknown). */
export function servedVersions(kind: string): readonly string[] {
  return versionsByKind.get(kind) ?? [];
}

/** Every registered kind and version. */
export function allKindVersions(): readonly KindVersion[] {
  return [...registry.values()];
}
