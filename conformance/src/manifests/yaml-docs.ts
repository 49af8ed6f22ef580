import { parseAllDocuments, stringify } from 'yaml';

/** A Kubernetes object as plain data (apiVersion, kind, metadata, body). */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } & Record<string, unknown>;
};

/**
 * Parses a multi-document YAML text into objects. Empty documents are dropped; a document that is
 * not an object with `kind` and `metadata.name` is an error naming the source and document index.
 */
export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML document ${i + 1}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isKubeObject(value)) throw new Error(`${source}: YAML document ${i + 1} is not a Kubernetes object (kind and metadata.name are required)`);
    out.push(value);
  });
  return out;
}

export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  const meta = o['metadata'] as Record<string, unknown> | undefined;
  return typeof o['kind'] === 'string' && typeof meta === 'object' && meta !== null && typeof meta['name'] === 'string';
}

/** Serialises objects as one multi-document YAML text. */
export function stringifyManifests(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** "Kind namespace/name" (or "Kind name" when cluster-scoped): the identity used everywhere in the runner. */
export function objectId(o: { kind: string; metadata?: { name: string; namespace?: string }; name?: string; namespace?: string }): string {
  const name = o.metadata?.name ?? o.name ?? '';
  const ns = o.metadata ? o.metadata.namespace : o.namespace;
  return ns ? `${o.kind} ${ns}/${name}` : `${o.kind} ${name}`;
}
