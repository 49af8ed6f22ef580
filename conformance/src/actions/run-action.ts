import type { Cluster } from '../cluster/cluster.js';
import { isKubeObject, type KubeObject } from '../manifests/yaml-docs.js';
import type { Action, ObjectRef } from '../suite/types.js';
import { getPath } from '../util/object-path.js';
import { sleep } from '../util/sleep.js';
import { applyChange, type ChangeContext } from './apply-change.js';
import { parseChange, parseValue } from './change-language.js';

/** What an action needs: the cluster, the test's group, remembered originals and the address pools. */
export interface ActionEnv {
  cluster: Cluster;
  /** The group the test's objects live in (created objects join it, so they go with the test). */
  group: string;
  originals: Map<string, unknown>;
  usableAddresses: readonly string[];
  unusableAddresses: readonly string[];
  log(message: string): void;
}

/**
 * Performs one of the suite's mutations (patch, create, delete, sleep, patchEndpointSlices) and
 * returns once Portway shows its effect. A change whose prose the runner cannot read is an error.
 */
export async function runAction(a: Action, env: ActionEnv): Promise<void> {
  const ctx: ChangeContext = {
    originals: env.originals,
    usableAddresses: env.usableAddresses,
    unusableAddresses: env.unusableAddresses,
    readOther: (kind, ns, name, path) => getPath(env.cluster.dir.get(kind, ns, name), path),
  };
  switch (a.action) {
    case 'sleep':
      await sleep(Number(a['seconds'] ?? 0) * 1000);
      return;
    case 'patch': {
      const o = objectRef(a['object']);
      const op = parseChange(String(a['change'] ?? ''));
      await env.cluster.update(o.kind!, o.namespace, o.name, (obj) => applyChange(obj, op, ctx));
      env.log(`patched ${o.kind} ${o.namespace ?? ''}/${o.name}: ${String(a['change'])}`);
      return;
    }
    case 'create': {
      const obj = objectToCreate(a, ctx);
      await env.cluster.create(env.group, obj);
      env.log(`created ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
      return;
    }
    case 'delete': {
      const o = objectRef(a['object']);
      await env.cluster.deleteObject(o.kind!, o.namespace, o.name);
      env.log(`deleted ${o.kind} ${o.namespace ?? ''}/${o.name}`);
      return;
    }
    case 'patchEndpointSlices':
      await patchEndpointSlices(a, env);
      return;
    default:
      throw new Error(`action ${JSON.stringify(a.action)} is not known to this runner`);
  }
}

/**
 * The object of a create action: either a whole object, or `{kind, namespace, name}` plus `data`
 * whose values may be "<copy of PATH of Kind ns/name>".
 */
function objectToCreate(a: Action, ctx: ChangeContext): KubeObject {
  const o = a['object'];
  if (isKubeObject(o)) return structuredClone(o);
  const ref = objectRef(o);
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((a['data'] as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v !== 'string') {
      data[k] = v;
      continue;
    }
    const parsed = v.trim().startsWith('<') ? parseValue(v) : { literal: v };
    if ('literal' in parsed) data[k] = parsed.literal;
    else if ('copyOf' in parsed) data[k] = ctx.readOther(parsed.copyOf.kind, parsed.copyOf.namespace, parsed.copyOf.name, parsed.copyOf.path);
    else throw new Error(`create ${ref.kind} ${ref.name}: cannot use ${v}`);
    if (data[k] === undefined) throw new Error(`create ${ref.kind} ${ref.name}: ${v} does not exist`);
  }
  const apiVersion = ref.apiVersion && !ref.apiVersion.startsWith('<') ? ref.apiVersion : ref.kind === 'ConfigMap' || ref.kind === 'Secret' ? 'v1' : 'gateway.networking.k8s.io/v1';
  return { apiVersion, kind: ref.kind!, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) }, ...(Object.keys(data).length > 0 ? { data } : {}) };
}

/**
 * Sets the endpoints of manually managed EndpointSlices to the pods of the Deployment the
 * description names ("one endpoint per <deployment> pod IP"), per address family; slices of a
 * family no pod has are left as they are.
 */
async function patchEndpointSlices(a: Action, env: ActionEnv): Promise<void> {
  const ns = String(a['namespace'] ?? '');
  const description = String(a['description'] ?? '');
  const m = /one endpoint per ([\w.-]+) pod IP/.exec(description);
  if (!m) throw new Error(`patchEndpointSlices: cannot tell which pods from ${JSON.stringify(description)}`);
  const deployment = m[1]!;
  const pods = env.cluster.workloads.running().filter((p) => p.plan.namespace === ns && p.plan.owner === `${ns}/${deployment}`);
  if (pods.length === 0) throw new Error(`patchEndpointSlices: no pod of Deployment ${ns}/${deployment} is running`);
  for (const name of (a['endpointSlices'] as string[] | undefined) ?? []) {
    const slice = env.cluster.dir.get('EndpointSlice', ns, name);
    if (!slice) throw new Error(`patchEndpointSlices: EndpointSlice ${ns}/${name} does not exist`);
    const family = slice['addressType'] === 'IPv6' ? 6 : 4;
    const matching = pods.filter((p) => (p.ip.includes(':') ? 6 : 4) === family);
    if (matching.length === 0) continue;
    await env.cluster.update('EndpointSlice', ns, name, (o) => {
      o['endpoints'] = matching.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: ns, name: p.plan.name },
      }));
    });
    env.log(`EndpointSlice ${ns}/${name}: ${matching.length} endpoint(s) of ${deployment}`);
  }
}

function objectRef(v: unknown): ObjectRef {
  if (typeof v !== 'object' || v === null || typeof (v as ObjectRef).name !== 'string' || typeof (v as ObjectRef).kind !== 'string') throw new Error(`malformed object reference ${JSON.stringify(v)}`);
  return v as ObjectRef;
}
