/**
 * Reads the upstream CRDs (`../shared/crds`) and extracts, per kind, every served version's
 * `openAPIV3Schema` with documentation (`description`) removed. Used by `scripts/embed-crds.ts`
 * to write `src/crd-schemas/` and by the drift test to check the embedded copy still matches.
 * Test and script code only: product code never reads the file system.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The CRD folders embedded: Gateway API experimental channel (a superset of standard) and MCS. */
export const CRD_DIRS = ['gateway-api-v1.6.1/experimental', 'mcs-api-v0.5.0'];

/** Portway's own CRDs (`portway.dev_*.yaml`, group portway.dev), in this repository. */
export const PORTWAY_CRD_DIR = fileURLToPath(new URL('../../../deploy/crds', import.meta.url));

/** `/work/shared/crds` as seen from this repository (`<repo>/../shared/crds`). */
export const DEFAULT_CRD_ROOT = fileURLToPath(new URL('../../../../shared/crds', import.meta.url));

export interface ExtractedCrd {
  /** File name of the embedded JSON (`<plural>.<group>.json`). */
  file: string;
  source: string;
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  versions: { name: string; storage: boolean; deprecated: boolean; schema: unknown }[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Removes `description` from every schema node (not from property names), keeping every other keyword. */
export function stripDescriptions(schema: Json): Json {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') continue;
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, stripDescriptions(s)]));
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object') {
      out[k] = stripDescriptions(v);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) {
      out[k] = v.map(stripDescriptions);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Every CustomResourceDefinition under the CRD folders, with its served versions' schemas. */
export function extractCrds(crdRoot: string = DEFAULT_CRD_ROOT): ExtractedCrd[] {
  const out: ExtractedCrd[] = [];
  const sources: { root: string; dir: string; file: string }[] = [];
  for (const dir of CRD_DIRS) {
    for (const file of readdirSync(join(crdRoot, dir)).filter((f) => f.endsWith('.yaml')).sort()) sources.push({ root: crdRoot, dir, file });
  }
  // Portway's own kinds, embedded the same way.
  for (const file of readdirSync(PORTWAY_CRD_DIR).filter((f) => /^portway\.dev_.*\.yaml$/.test(f)).sort()) {
    sources.push({ root: join(PORTWAY_CRD_DIR, '..', '..'), dir: 'deploy/crds', file });
  }
  for (const { root: base, dir, file } of sources) {
    for (const doc of parseAllDocuments(readFileSync(join(base, dir, file), 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; spec?: any } | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec;
      out.push({
        file: `${spec.names.plural}.${spec.group}.json`,
        source: `${dir}/${file}`,
        group: spec.group,
        kind: spec.names.kind,
        plural: spec.names.plural,
        scope: spec.scope,
        versions: spec.versions
          .filter((v: any) => v.served)
          .map((v: any) => ({
            name: v.name,
            storage: !!v.storage,
            deprecated: !!v.deprecated,
            schema: stripDescriptions(v.schema.openAPIV3Schema),
          })),
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
