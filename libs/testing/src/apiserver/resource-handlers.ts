/**
 * The verbs on stored objects, with the API server's semantics: uid and creationTimestamp on create,
 * resourceVersion on every write, optimistic concurrency (409 on a stale resourceVersion), the status
 * subresource (the main resource ignores status, `/status` ignores everything else), generation bumped
 * on spec changes, no-op writes that change nothing, finalizers, managedFields, admission of the kinds
 * `@portway/api` knows (pruning, defaults, schema and CEL rules, as the real API server for the CRDs).
 */
import { randomUUID } from 'node:crypto';
import { admit, lookupKind } from '@portway/api';
import { cloneJson, isRecord, jsonEqual } from './json.js';
import { ObjectStore, objectKey, type StoredObject } from './object-store.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patches.js';
import type { Registry } from './registry.js';
import { apiVersionOf, resourceId, resourceTypeFromCrd, type ResourceType } from './resource-types.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError, type FieldSelector, type LabelSelector } from './selectors.js';
import { alreadyExists, badRequest, conflict, gone, invalid, methodNotAllowed, notFound, unsupportedMediaType } from './status-errors.js';

/** One request on a resource. */
export interface ResourceRequest {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: 'status';
  query: URLSearchParams;
  /** Field manager recorded in managedFields. */
  manager: string;
}

/** What a write returns: the object (at the request's version) and warnings for the `Warning` header. */
export interface WriteResult {
  object: Record<string, any>;
  warnings: string[];
  created?: boolean;
}

type Obj = Record<string, any>;

/** Everything but metadata and status: what bumps `generation` when it changes. */
function specOf(o: Obj): Obj {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** A `managedFields` set of the object's fields (FieldsV1, maps only; list items are not itemised). */
function fieldsV1(v: unknown): Obj {
  if (!isRecord(v)) return {};
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) out[`f:${k}`] = isRecord(x) ? fieldsV1(x) : {};
  return out;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class ResourceHandlers {
  private readonly snapshots = new Map<string, { rv: number; items: StoredObject[] }>();
  private nextClusterIp = 1;
  private nextNodePort = 30000;

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: Registry,
  ) {}

  /** The object as served at `version`. */
  view(t: ResourceType, version: string, o: StoredObject): Obj {
    return { ...o, apiVersion: apiVersionOf(t.group, version), kind: t.kind };
  }

  get(r: ResourceRequest): Obj {
    const o = this.store.get(resourceId(r.type), objectKey(r.namespace, r.name!));
    if (!o) throw notFound(r.type, r.name!);
    return this.view(r.type, r.version, o);
  }

  private selectors(r: ResourceRequest): { labels: LabelSelector; fields: FieldSelector } {
    try {
      return {
        labels: parseLabelSelector(r.query.get('labelSelector') ?? ''),
        fields: parseFieldSelector(r.query.get('fieldSelector') ?? '', ['metadata.name', 'metadata.namespace', ...r.type.fieldSelectors]),
      };
    } catch (e) {
      if (e instanceof SelectorError) throw badRequest(e.message);
      throw e;
    }
  }

  /** A predicate for list and watch filtering. */
  matcher(r: ResourceRequest): (o: StoredObject) => boolean {
    const { labels, fields } = this.selectors(r);
    return (o) => (r.namespace === undefined || o.metadata.namespace === r.namespace) && matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o);
  }

  /** A list page: `limit` and `continue` page through a consistent snapshot taken by the first page. */
  list(r: ResourceRequest): { items: Obj[]; resourceVersion: string; continue?: string; remainingItemCount?: number } {
    const matches = this.matcher(r);
    const limit = Number(r.query.get('limit') ?? 0);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: ${r.query.get('limit')}: must be a non-negative integer`);
    const token = r.query.get('continue');
    let items: StoredObject[];
    let rv: number;
    let start = 0;
    let id: string;
    if (token) {
      let parsed: { rv: number; id: string; start: number };
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      const snap = this.snapshots.get(parsed.id);
      if (parsed.rv < this.store.oldestRv() || !snap) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      ({ items, rv } = snap);
      start = parsed.start;
      id = parsed.id;
    } else {
      const rvParam = r.query.get('resourceVersion');
      if (r.query.get('resourceVersionMatch') === 'Exact' && rvParam && Number(rvParam) !== this.store.currentRv()) {
        throw gone(`too old resource version: ${rvParam} (${this.store.currentRv()})`);
      }
      items = this.store.list(resourceId(r.type), r.namespace).filter(matches);
      rv = this.store.currentRv();
      id = randomUUID();
    }
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const page = items.slice(start, end).map((o) => this.view(r.type, r.version, o));
    if (end >= items.length) return { items: page, resourceVersion: String(rv) };
    if (!this.snapshots.has(id)) {
      this.snapshots.set(id, { rv, items });
      if (this.snapshots.size > 64) this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return {
      items: page,
      resourceVersion: String(rv),
      continue: Buffer.from(JSON.stringify({ rv, id, start: end })).toString('base64'),
      remainingItemCount: items.length - end,
    };
  }

  /**
   * Admission: kinds `@portway/api` knows are pruned, defaulted and validated as the API server does
   * (CRD schemas and CEL rules, the core kinds' checks); other kinds get metadata checks only.
   */
  private admitObject(r: ResourceRequest, candidate: Obj, old: Obj | undefined, keepStatus: boolean): { object: Obj; warnings: string[] } {
    const apiVersion = apiVersionOf(r.type.group, r.version);
    const name = candidate.metadata?.name ?? r.name ?? '';
    const fv = (r.query.get('fieldValidation') ?? 'Warn') as 'Strict' | 'Warn' | 'Ignore';
    const warnings: string[] = [];
    if (r.type.deprecated[r.version]) warnings.push(r.type.deprecated[r.version]!);
    if (lookupKind(apiVersion, r.type.kind)) {
      const result = admit({ ...candidate, apiVersion, kind: r.type.kind }, { ...(old ? { old } : {}), fieldValidation: fv === 'Ignore' ? 'Ignore' : 'Warn', status: keepStatus ? 'keep' : 'drop' });
      const unknown = result.warnings.filter((w) => w.message.startsWith('unknown field'));
      if (fv === 'Strict' && unknown.length) {
        throw badRequest(`${r.type.kind} in version "${r.version}" cannot be handled as a ${r.type.kind}: strict decoding error: ${unknown.map((w) => w.message).join(', ')}`);
      }
      warnings.push(...result.warnings.filter((w) => !w.message.includes('is deprecated')).map((w) => w.message));
      if (!result.ok) throw invalid(r.type, name, result.errors);
      const object = result.object as Obj;
      if (!keepStatus && candidate.status !== undefined) object.status = candidate.status;
      return { object, warnings };
    }
    const object = cloneJson(candidate);
    object.apiVersion = apiVersion;
    object.kind = r.type.kind;
    if (!isRecord(object.metadata)) object.metadata = {};
    if (!object.metadata.name) throw invalid(r.type, '', [{ path: 'metadata.name', type: 'Required', message: 'Required value: name or generateName is required' }]);
    if (r.type.namespaced && !object.metadata.namespace) object.metadata.namespace = r.namespace;
    if (!r.type.namespaced) delete object.metadata.namespace;
    return { object, warnings };
  }

  private checkBody(r: ResourceRequest, body: unknown, forName?: string): Obj {
    if (!isRecord(body)) throw badRequest('the body of the request must be a JSON object');
    const apiVersion = apiVersionOf(r.type.group, r.version);
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (body.kind !== undefined && body.kind !== r.type.kind) throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${r.type.kind})`);
    const meta = isRecord(body.metadata) ? body.metadata : {};
    if (r.type.namespaced && meta.namespace && r.namespace && meta.namespace !== r.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (forName !== undefined && meta.name !== undefined && meta.name !== forName) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${forName})`);
    }
    return { ...body, metadata: { ...meta, ...(r.type.namespaced && r.namespace ? { namespace: r.namespace } : {}) } };
  }

  private managedFields(r: ResourceRequest, old: Obj | undefined, object: Obj, operation: 'Update' | 'Apply'): Obj[] {
    const subresource = r.subresource;
    const part = subresource === 'status' ? { status: object.status } : specOf(object);
    const entry = {
      manager: r.manager,
      operation,
      apiVersion: apiVersionOf(r.type.group, r.version),
      time: now(),
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1(subresource === 'status' ? part : { metadata: { labels: object.metadata.labels, annotations: object.metadata.annotations }, ...part }),
      ...(subresource ? { subresource } : {}),
    };
    const others = ((old?.metadata?.managedFields as Obj[] | undefined) ?? []).filter((m) => !(m.manager === r.manager && m.operation === operation && (m.subresource ?? '') === (subresource ?? '')));
    return [...others, entry];
  }

  /** Fills what the API server's registry strategies fill in for built-in kinds (namespace phase, Service cluster IPs and node ports, CRD conditions). */
  private prepareCreate(t: ResourceType, o: Obj): void {
    if (t.group === '' && t.kind === 'Namespace') o.status = { phase: 'Active' };
    if (t.group === '' && t.kind === 'Service' && isRecord(o.spec)) {
      const spec = o.spec;
      if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
        const n = this.nextClusterIp++;
        spec.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && Array.isArray(spec.ports)) {
        for (const p of spec.ports) if (isRecord(p) && p.nodePort === undefined) p.nodePort = this.nextNodePort++;
      }
    }
    if (t.group === 'apiextensions.k8s.io' && t.kind === 'CustomResourceDefinition') {
      o.status = {
        acceptedNames: o.spec?.names ?? {},
        storedVersions: (o.spec?.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now() },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now() },
        ],
      };
    }
  }

  create(r: ResourceRequest, body: unknown): WriteResult {
    const input = this.checkBody(r, body);
    if (!input.metadata.name && typeof input.metadata.generateName === 'string' && input.metadata.generateName) {
      input.metadata.name = `${input.metadata.generateName}${randomUUID().replace(/-/g, '').slice(0, 5)}`;
    }
    // A namespaced kind is created under /namespaces/<ns>/ only, as the API server routes it.
    if (r.type.namespaced && r.namespace === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const { object, warnings } = this.admitObject(r, input, undefined, !r.type.statusSubresource);
    const name = String(object.metadata.name);
    const ns = r.type.namespaced ? String(object.metadata.namespace) : undefined;
    if (ns !== undefined && !this.store.get('/namespaces', ns)) throw notFound({ group: '', plural: 'namespaces' }, ns);
    const key = objectKey(ns, name);
    if (this.store.get(resourceId(r.type), key)) throw alreadyExists(r.type, name);
    if (r.type.statusSubresource) delete object.status;
    this.prepareCreate(r.type, object);
    const meta = object.metadata;
    delete meta.resourceVersion;
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    if (r.type.generation) meta.generation = 1;
    else delete meta.generation;
    delete meta.deletionTimestamp;
    meta.managedFields = this.managedFields(r, undefined, object, 'Update');
    if (r.type.group === 'apiextensions.k8s.io' && r.type.kind === 'CustomResourceDefinition') this.installCrd(object);
    if (r.query.get('dryRun') === 'All') return { object: this.view(r.type, r.version, object as StoredObject), warnings, created: true };
    const rv = this.store.nextRv();
    meta.resourceVersion = String(rv);
    const stored = this.store.put(resourceId(r.type), key, this.toStorage(r.type, object), rv);
    return { object: this.view(r.type, r.version, stored), warnings, created: true };
  }

  private toStorage(t: ResourceType, o: Obj): Obj {
    return { ...o, apiVersion: apiVersionOf(t.group, t.storageVersion), kind: t.kind };
  }

  private installCrd(crd: Obj): void {
    try {
      this.registry.install(resourceTypeFromCrd(crd));
    } catch (e) {
      throw badRequest(`CustomResourceDefinition ${String(crd.metadata?.name)}: ${(e as Error).message}`);
    }
  }

  /** PUT: replaces the object (or its status), with optimistic concurrency on metadata.resourceVersion. */
  update(r: ResourceRequest, body: unknown): WriteResult {
    const input = this.checkBody(r, body, r.name);
    const old = this.store.get(resourceId(r.type), objectKey(r.namespace, r.name!));
    if (!old) throw notFound(r.type, r.name!);
    const rv = input.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      if (r.type.custom) {
        throw invalid(r.type, r.name!, [{ path: 'metadata.resourceVersion', type: 'Invalid', message: 'Invalid value: 0x0: must be specified for an update' }]);
      }
    } else if (rv !== old.metadata.resourceVersion) throw conflict(r.type, r.name!);
    return this.commit(r, old, input, 'Update');
  }

  /** PATCH: merge, JSON or strategic merge patch of the object (or its status). */
  patch(r: ResourceRequest, body: unknown, contentType: string): WriteResult {
    const old = this.store.get(resourceId(r.type), objectKey(r.namespace, r.name!));
    if (!old) throw notFound(r.type, r.name!);
    const current = this.view(r.type, r.version, old);
    let patched: unknown;
    try {
      if (contentType === 'application/merge-patch+json') patched = applyMergePatch(current, body);
      else if (contentType === 'application/json-patch+json') patched = applyJsonPatch(current, body);
      else if (contentType === 'application/strategic-merge-patch+json' && !r.type.custom) patched = applyStrategicMergePatch(current, body, r.type.patchMeta ?? {});
      else throw unsupportedMediaType(contentType);
    } catch (e) {
      if (e instanceof PatchError) throw invalid(r.type, r.name!, [{ path: '', message: e.message }]);
      throw e;
    }
    const input = this.checkBody(r, patched, r.name);
    if (input.metadata.resourceVersion !== undefined && input.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(r.type, r.name!);
    return this.commit(r, old, input, 'Update');
  }

  private commit(r: ResourceRequest, old: StoredObject, input: Obj, operation: 'Update' | 'Apply'): WriteResult {
    const oldView = this.view(r.type, r.version, old);
    let next: Obj;
    let warnings: string[];
    if (r.subresource === 'status') {
      // The status subresource takes status only; spec and metadata stay as stored.
      ({ object: next, warnings } = this.admitObject(r, { ...cloneJson(oldView), status: input.status }, oldView, true));
      next = { ...cloneJson(oldView), status: next.status };
    } else {
      ({ object: next, warnings } = this.admitObject(r, input, oldView, !r.type.statusSubresource));
      if (r.type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = cloneJson(old.status);
      }
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields'] as const) {
        if (old.metadata[k] === undefined) delete next.metadata[k];
        else next.metadata[k] = cloneJson(old.metadata[k]);
      }
      if (r.type.generation && !jsonEqual(specOf(next), specOf(oldView))) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      if (r.type.group === 'apiextensions.k8s.io' && r.type.kind === 'CustomResourceDefinition') this.installCrd(next);
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    next.metadata.managedFields = old.metadata.managedFields;
    // A write that changes nothing is not a write: no new resourceVersion, no event (as the API server).
    if (jsonEqual(next, oldView)) return { object: oldView, warnings };
    next.metadata.managedFields = this.managedFields(r, old, next, operation);
    if (r.query.get('dryRun') === 'All') return { object: next, warnings };
    const rv = this.store.nextRv();
    next.metadata.resourceVersion = String(rv);
    const key = objectKey(r.namespace, r.name!);
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) {
      this.store.remove(resourceId(r.type), key, rv);
      return { object: next, warnings };
    }
    const stored = this.store.put(resourceId(r.type), key, this.toStorage(r.type, next), rv);
    return { object: this.view(r.type, r.version, stored), warnings };
  }

  /** DELETE: removes the object, or marks it for deletion while it has finalizers. Deleting a Namespace or CRD removes what it holds. */
  delete(r: ResourceRequest, body: unknown): Obj {
    const key = objectKey(r.namespace, r.name!);
    const old = this.store.get(resourceId(r.type), key);
    if (!old) throw notFound(r.type, r.name!);
    const pre = isRecord(body) && isRecord(body.preconditions) ? body.preconditions : {};
    if (pre.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw conflict(r.type, r.name!, `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${String(old.metadata.uid)}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(r.type, r.name!, `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${String(old.metadata.resourceVersion)}`);
    }
    if (r.query.get('dryRun') === 'All') return this.view(r.type, r.version, old);
    if ((old.metadata.finalizers ?? []).length) {
      if (old.metadata.deletionTimestamp) return this.view(r.type, r.version, old);
      const rv = this.store.nextRv();
      const marked = { ...old, metadata: { ...old.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: 0, resourceVersion: String(rv) } };
      return this.view(r.type, r.version, this.store.put(resourceId(r.type), key, marked, rv));
    }
    if (r.type.group === '' && r.type.kind === 'Namespace') {
      for (const t of this.registry.all().filter((x) => x.namespaced)) {
        for (const o of this.store.list(resourceId(t), r.name!)) this.store.remove(resourceId(t), objectKey(r.name!, o.metadata.name), this.store.nextRv());
      }
    }
    if (r.type.group === 'apiextensions.k8s.io' && r.type.kind === 'CustomResourceDefinition') {
      const spec = old.spec as Obj;
      const id = resourceId({ group: spec.group, plural: spec.names.plural });
      for (const o of this.store.list(id)) this.store.remove(id, objectKey(o.metadata.namespace, o.metadata.name), this.store.nextRv());
      this.store.dropResource(id);
      this.registry.uninstall(spec.group, spec.names.plural);
    }
    const removed = this.store.remove(resourceId(r.type), key, this.store.nextRv())!;
    return this.view(r.type, r.version, removed);
  }

  /** DELETE on a collection: deletes every matching object. */
  deleteCollection(r: ResourceRequest): Obj {
    const matches = this.matcher(r);
    const items = this.store.list(resourceId(r.type), r.namespace).filter(matches);
    const deleted = items.map((o) => this.delete({ ...r, namespace: o.metadata.namespace, name: o.metadata.name }, undefined));
    return { kind: r.type.listKind, apiVersion: apiVersionOf(r.type.group, r.version), metadata: { resourceVersion: String(this.store.currentRv()) }, items: deleted };
  }
}
