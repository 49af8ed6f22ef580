/**
 * OpenAPI v3, as much as `kubectl apply` uses: the index (`/openapi/v3`) and one document per group
 * version with the resources' paths (so kubectl sees that the server validates fields itself, the
 * `fieldValidation` parameter) and schemas (a CRD's own schema; built-in kinds an open object with the
 * strategic-merge-patch keys of their merged lists).
 */
import { createHash } from 'node:crypto';
import { groupVersions } from './discovery.js';
import type { PatchMeta, ResourceType } from './resource-types.js';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

/** `GET /openapi/v3`: where each group version's document is. */
export function openApiIndex(types: readonly ResourceType[]): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const groups = new Map<string, ResourceType[]>();
  for (const t of types) groups.set(t.group, [...(groups.get(t.group) ?? []), t]);
  for (const [group, ts] of groups) {
    for (const v of groupVersions(ts)) {
      const hash = createHash('sha256').update(JSON.stringify(openApiDocument(group, v, types))).digest('hex').slice(0, 32).toUpperCase();
      paths[gvPath(group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, v)}?hash=${hash}` };
    }
  }
  return { paths };
}

const schemaName = (t: ResourceType, version: string) => `${(t.group || 'core').split('.').reverse().join('.')}.${version}.${t.kind}`;

/** An open schema carrying the patch strategies of the fields listed in `meta` (paths like `spec.containers[].ports`). */
function builtinSchema(meta: Readonly<Record<string, PatchMeta>>): Record<string, any> {
  const root: Record<string, any> = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  for (const [path, m] of Object.entries(meta)) {
    let node = root;
    const segs = path.split('.');
    segs.forEach((seg, i) => {
      const isItem = seg.endsWith('[]');
      const name = isItem ? seg.slice(0, -2) : seg;
      node.properties ??= {};
      node.properties[name] ??= i === segs.length - 1 || isItem ? { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const child = node.properties[name];
      if (i === segs.length - 1) {
        child.type = 'array';
        child.items ??= m.mergeKey ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } : { type: 'string' };
        child['x-kubernetes-patch-strategy'] = m.strategy;
        if (m.mergeKey) child['x-kubernetes-patch-merge-key'] = m.mergeKey;
      }
      node = isItem ? child.items : child;
    });
  }
  return root;
}

/** `GET /openapi/v3/apis/<group>/<version>`. */
export function openApiDocument(group: string, version: string, types: readonly ResourceType[]): unknown {
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  const params = (names: string[]) => names.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
  for (const t of types.filter((x) => x.group === group && x.versions.includes(version))) {
    const gvk = { group, version, kind: t.kind };
    const name = schemaName(t, version);
    const base = (t.custom ? t.schemas[version] : builtinSchema(t.patchMeta ?? {})) as Record<string, unknown>;
    schemas[name] = { ...base, 'x-kubernetes-group-version-kind': [gvk] };
    const ref = { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    const op = (action: string, extra: string[] = []) => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: params(['dryRun', 'fieldManager', ...extra]),
      responses: { '200': { description: 'OK', ...ref } },
    });
    const prefix = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    paths[prefix] = { get: op('list'), post: op('post', ['fieldValidation']), delete: op('deletecollection') };
    paths[`${prefix}/{name}`] = { get: op('get'), put: op('put', ['fieldValidation']), patch: op('patch', ['fieldValidation', 'force']), delete: op('delete') };
    if (t.statusSubresource) paths[`${prefix}/{name}/status`] = { get: op('get'), put: op('put', ['fieldValidation']), patch: op('patch', ['fieldValidation', 'force']) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}
