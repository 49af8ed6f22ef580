/**
 * Loading multi-document YAML manifests (as `kubectl apply -f` reads them): every document is parsed,
 * `kind: List` is expanded, each object of a kind Portway reads is admitted (`admit`: pruned,
 * defaulted, validated), and problems are reported per document, naming the object, without stopping
 * the other documents.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { admit, type AdmitOptions } from './admit.js';
import type { FieldError } from './field-error.js';
import { servedVersions } from './kinds.js';
import { CLUSTER_SCOPED, groupOf, isKindName, type AnyObject, type KubeObject } from './objects.js';

/** One problem in a manifest file. `index` is the document's position (0-based), `item` a List item's. */
export interface ManifestError {
  file: string;
  index?: number;
  item?: number;
  /** 1-based line of the document, or of the offending field when it is in the text. */
  line?: number;
  kind?: string;
  namespace?: string;
  name?: string;
  path?: string;
  message: string;
}

/** An admitted object and where it came from. */
export interface LoadedObject {
  object: AnyObject;
  file: string;
  index: number;
  item?: number;
}

/** A well-formed Kubernetes object of a kind Portway does not read (a Deployment, a Pod, ...). */
export interface IgnoredObject {
  object: KubeObject;
  file: string;
  index: number;
  item?: number;
}

export interface ParseManifestsResult {
  objects: LoadedObject[];
  ignored: IgnoredObject[];
  errors: ManifestError[];
  /** Admission warnings (pruned unknown fields, deprecated versions). */
  warnings: ManifestError[];
}

/** API groups whose every kind Portway knows: an unknown kind there is a mistake, not someone else's object. */
const OWN_GROUPS = new Set(['gateway.networking.k8s.io', 'multicluster.x-k8s.io', 'portway.dev']);

/** Kinds of the experimental Gateway API group that Portway does not read (they are ignored, not errors). */
const OTHER_KNOWN_KINDS = new Set(['gateway.networking.x-k8s.io/XBackend', 'gateway.networking.x-k8s.io/XMesh']);

/** The core (`v1`) kinds of Kubernetes, to tell a typo in a core kind from a kind Portway does not read. */
const CORE_V1_KINDS = new Set([
  'Binding', 'ComponentStatus', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'Node',
  'PersistentVolume', 'PersistentVolumeClaim', 'Pod', 'PodTemplate', 'ReplicationController', 'ResourceQuota',
  'Secret', 'Service', 'ServiceAccount',
]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits `spec.rules[0].matches[1]` into `['spec', 'rules', 0, 'matches', 1]`. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  }
  return out;
}

/** Line of the deepest node on `path` (below `prefix`) present in the document. */
function lineOf(doc: Document, lc: LineCounter, prefix: (string | number)[], path: string | undefined): number | undefined {
  const segs = [...prefix, ...(path ? pathSegments(path) : [])];
  for (let n = segs.length; n >= 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses and admits every object in one YAML text. `file` names it in errors. Never throws for bad input. */
export function parseManifests(text: string, file: string, options: AdmitOptions = {}): ParseManifestsResult {
  const result: ParseManifestsResult = { objects: [], ignored: [], errors: [], warnings: [] };
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const docList = Array.isArray(docs) ? docs : [];
  const seen = new Map<string, string>();

  docList.forEach((doc, index) => {
    const start = (doc.contents as { range?: number[] } | null)?.range?.[0] ?? doc.range?.[0];
    const docLine = start !== undefined ? lc.linePos(start).line : undefined;
    const syntax = doc.errors[0];
    if (syntax) {
      // The first syntax error only: the next ones usually follow from it.
      result.errors.push({ file, index, line: syntax.linePos?.[0].line ?? docLine, message: `YAML: ${syntax.message.split('\n')[0]}` });
      return;
    }
    let content: unknown;
    try {
      content = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      result.errors.push({ file, index, line: docLine, message: `YAML: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (content === null || content === undefined) return; // empty document
    if (!isRecord(content)) {
      result.errors.push({ file, index, line: docLine, message: 'document is not a Kubernetes object (a mapping with apiVersion, kind and metadata)' });
      return;
    }
    if (content.kind === 'List' || (typeof content.kind === 'string' && content.kind.endsWith('List') && Array.isArray(content.items))) {
      if (!Array.isArray(content.items)) {
        result.errors.push({ file, index, line: docLine, kind: 'List', path: 'items', message: 'Required value' });
        return;
      }
      content.items.forEach((item, i) => loadOne(item, index, i, ['items', i]));
      return;
    }
    loadOne(content, index, undefined, []);

    function loadOne(obj: unknown, idx: number, item: number | undefined, prefix: (string | number)[]): void {
      const where = { file, index: idx, ...(item !== undefined ? { item } : {}) };
      const line = (path?: string) => lineOf(doc, lc, prefix, path);
      if (!isRecord(obj)) {
        result.errors.push({ ...where, line: line(), message: 'not a Kubernetes object (a mapping with apiVersion, kind and metadata)' });
        return;
      }
      const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
      const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : undefined;
      const meta = isRecord(obj.metadata) ? obj.metadata : {};
      const name = typeof meta.name === 'string' ? meta.name : undefined;
      const ident = { ...(kind ? { kind } : {}), ...(name ? { name } : {}), ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) };
      if (!kind || !apiVersion) {
        result.errors.push({ ...where, ...ident, line: line(), path: !apiVersion ? 'apiVersion' : 'kind', message: 'Required value' });
        return;
      }
      const group = groupOf(apiVersion);
      if (!isKindName(kind) || servedVersions(kind).length === 0) {
        const ownGroup = OWN_GROUPS.has(group) || (group === '' && !CORE_V1_KINDS.has(kind) && apiVersion === 'v1');
        if (ownGroup && !OTHER_KNOWN_KINDS.has(`${group}/${kind}`)) {
          result.errors.push({ ...where, ...ident, line: line('kind'), path: 'kind', message: `unknown kind "${kind}" in ${apiVersion}` });
        } else if (!name) {
          result.errors.push({ ...where, ...ident, line: line('metadata'), path: 'metadata.name', message: 'Required value' });
        } else {
          result.ignored.push({ ...where, object: obj as unknown as KubeObject });
        }
        return;
      }
      const r = admit(obj, options);
      const namespace = r.ok ? r.object.metadata.namespace : ident.namespace ?? (CLUSTER_SCOPED.has(kind) ? undefined : options.defaultNamespace);
      const named = { ...where, kind, ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) };
      const toError = (e: FieldError): ManifestError => ({ ...named, line: line(e.path), ...(e.path ? { path: e.path } : {}), message: e.message });
      for (const w of r.warnings) result.warnings.push(toError(w));
      if (!r.ok) {
        for (const e of r.errors) result.errors.push(toError(e));
        return;
      }
      const key = `${group}/${kind}/${namespace ?? ''}/${r.object.metadata.name}`;
      const first = seen.get(key);
      if (first !== undefined) {
        result.errors.push({ ...named, line: line(), message: `duplicate object: ${kind} ${namespace ? `${namespace}/` : ''}${r.object.metadata.name} is already defined in ${first}` });
        return;
      }
      seen.set(key, item !== undefined ? `document ${idx} item ${item}` : `document ${idx}`);
      result.objects.push({ ...where, object: r.object });
    }
  });
  return result;
}

/**
 * One line for a manifest error, e.g.
 * `routes.yaml: HTTPRoute default/foo: spec.rules[0].matches[0].path.value: must start with "/"`.
 * The line number is shown when no object can be named (a YAML syntax error, a document that is not an object).
 */
export function formatManifestError(e: ManifestError): string {
  const parts: string[] = [];
  if (e.kind && e.name) parts.push(`${e.file}`, `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`);
  else if (e.kind) parts.push(e.line !== undefined ? `${e.file}:${e.line}` : e.file, `${e.kind} (document ${e.index ?? 0}${e.item !== undefined ? `, item ${e.item}` : ''})`);
  else parts.push(e.line !== undefined ? `${e.file}:${e.line}` : e.index !== undefined ? `${e.file} (document ${e.index})` : e.file);
  if (e.path) parts.push(e.path);
  parts.push(e.message);
  return parts.join(': ');
}
