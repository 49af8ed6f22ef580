/**
 * `metadata` as the API server handles it on create/update (apimachinery `ValidateObjectMeta` and
 * the REST create path): unknown metadata fields are dropped, the namespace is cleared for
 * cluster-scoped kinds and filled from the default namespace for namespaced ones (as `kubectl apply`
 * does), and name, namespace, labels, annotations and finalizers are checked.
 */
import { childPath, forbidden, indexPath, invalid, required, tooLong, type FieldError } from './field-error.js';
import { dns1123Label, labelValue, NAME_RULES, qualifiedName, type NameRule } from './names.js';

/** The ObjectMeta fields the API server stores; any other metadata field is pruned. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Total size limit of all annotation keys and values. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface MetaOptions {
  namespaced: boolean;
  nameRule: NameRule;
  defaultNamespace?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Normalises and validates `metadata` in place (the caller owns the copy). Returns errors; the
 * paths of dropped unknown fields go to `unknown`.
 */
export function admitObjectMeta(meta: Record<string, unknown>, opts: MetaOptions, unknown: string[]): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      delete meta[k];
      unknown.push(`metadata.${k}`);
    } else if (meta[k] === null) delete meta[k];
  }

  if (!opts.namespaced) delete meta.namespace;
  else if ((meta.namespace === undefined || meta.namespace === '') && opts.defaultNamespace) meta.namespace = opts.defaultNamespace;

  const name = meta.name;
  if (name === undefined || name === '') {
    errs.push(
      meta.generateName
        ? invalid('metadata.generateName', meta.generateName, 'generateName needs the API server to pick a random suffix; give metadata.name instead')
        : required('metadata.name', 'name or generateName is required'),
    );
  } else if (typeof name !== 'string') {
    errs.push(invalid('metadata.name', name, 'must be of type string'));
  } else {
    for (const m of NAME_RULES[opts.nameRule](name)) errs.push(invalid('metadata.name', name, m));
  }

  if (opts.namespaced) {
    const ns = meta.namespace;
    if (ns === undefined || ns === '') errs.push(required('metadata.namespace'));
    else if (typeof ns !== 'string') errs.push(invalid('metadata.namespace', ns, 'must be of type string'));
    else for (const m of dns1123Label(ns)) errs.push(invalid('metadata.namespace', ns, m));
  }

  const labels = meta.labels;
  if (labels !== undefined) {
    if (!isRecord(labels)) errs.push(invalid('metadata.labels', labels, 'must be of type object'));
    else
      for (const [k, v] of Object.entries(labels)) {
        for (const m of qualifiedName(k)) errs.push(invalid('metadata.labels', k, m));
        if (typeof v !== 'string') errs.push(invalid(indexPath('metadata.labels', k), v, 'must be of type string'));
        else for (const m of labelValue(v)) errs.push(invalid(indexPath('metadata.labels', k), v, m));
      }
  }

  const annotations = meta.annotations;
  if (annotations !== undefined) {
    if (!isRecord(annotations)) errs.push(invalid('metadata.annotations', annotations, 'must be of type object'));
    else {
      let size = 0;
      for (const [k, v] of Object.entries(annotations)) {
        for (const m of qualifiedName(k.toLowerCase())) errs.push(invalid('metadata.annotations', k, m));
        if (typeof v !== 'string') errs.push(invalid(indexPath('metadata.annotations', k), v, 'must be of type string'));
        else size += k.length + v.length;
      }
      if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
    }
  }

  const finalizers = meta.finalizers;
  if (finalizers !== undefined) {
    if (!Array.isArray(finalizers)) errs.push(invalid('metadata.finalizers', finalizers, 'must be of type array'));
    else
      finalizers.forEach((f, i) => {
        const p = indexPath('metadata.finalizers', i);
        if (typeof f !== 'string') errs.push(invalid(p, f, 'must be of type string'));
        else {
          for (const m of qualifiedName(f)) errs.push(invalid(p, f, m));
          if (!f.includes('/')) errs.push(forbidden(p, 'name is neither a standard finalizer name nor is it fully qualified'));
        }
      });
  }

  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'selfLink'] as const) {
    if (meta[k] !== undefined && typeof meta[k] !== 'string') errs.push(invalid(childPath('metadata', k), meta[k], 'must be of type string'));
  }
  if (meta.generation !== undefined && !(typeof meta.generation === 'number' && Number.isInteger(meta.generation) && meta.generation >= 0))
    errs.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  return errs;
}
