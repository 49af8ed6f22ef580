import { isDeepStrictEqual } from 'node:util';
import { contains } from '../actions/apply-change.js';
import { objectId, type KubeObject } from '../manifests/yaml-docs.js';
import type { StatusError, StatusSnapshot } from '../portway/status-client.js';
import { CheckFailure, pollStatus, type StatusReader } from '../status/poll.js';
import type { ClusterDir } from './cluster-dir.js';
import type { KeyReader } from './pod-plan.js';
import type { Workloads } from './workloads.js';

/** The kinds Portway reports in `/status` (the others it reads but does not show). */
export const STATUS_KINDS: ReadonlySet<string> = new Set(['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'ReferenceGrant']);

const ENDPOINTS_SUFFIX = '~endpoints';

/**
 * The emulated cluster: objects written to Portway's folder in named groups (the base, one group
 * per test), the pods of their Deployments, and the EndpointSlices over those pods. Applying,
 * changing or deleting waits until Portway shows the result in `/status`, as an API server
 * would have it at once; an object Portway reports as invalid fails the apply.
 */
export class Cluster {
  constructor(
    readonly dir: ClusterDir,
    readonly workloads: Workloads,
    private readonly readStatus: StatusReader,
    /** How long to wait for Portway to show a change (ms). */
    private readonly settleTimeoutMs: number,
    /** Where notes about slow or partial loads go. */
    private readonly note: (message: string) => void = () => undefined,
  ) {}

  /** A key of a Secret (base64-decoded) or ConfigMap. */
  readonly readKey: KeyReader = (kind, namespace, name, key) => this.dir.readKey(kind, namespace, name, key);

  /**
   * Creates or updates a group of objects: their Deployments' pods are started first (their
   * Secrets may be in the same group), then the objects are written, the EndpointSlices updated,
   * and the call returns once Portway shows every object of a status kind at its new spec.
   */
  async apply(group: string, objects: readonly KubeObject[], options: { wait?: boolean } = {}): Promise<void> {
    for (const o of objects) {
      const owner = this.dir.ownerOf(o.kind, o.metadata.namespace, o.metadata.name);
      if (owner !== undefined && owner !== group) await this.dir.delete(o.kind, o.metadata.namespace, o.metadata.name);
    }
    const previous = this.dir.objectsOf(group).filter((o) => o.kind === 'Deployment');
    const pending = new Map(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
    const readKey: KeyReader = (kind, ns, name, key) => {
      const o = pending.get(`${kind} ${ns}/${name}`);
      if (o) return readKeyOf(o, key);
      return this.readKey(kind, ns, name, key);
    };
    for (const d of objects.filter((o) => o.kind === 'Deployment')) await this.workloads.ensureDeployment(d, readKey);
    for (const d of previous) {
      if (!pending.has(`Deployment ${d.metadata.namespace ?? ''}/${d.metadata.name}`)) await this.workloads.removeDeployment(`${d.metadata.namespace ?? 'default'}/${d.metadata.name}`);
    }
    const wait = options.wait ?? true;
    const before = wait ? await this.generationsBefore(objects) : new Map<string, number>();
    await this.dir.put(group, objects);
    await this.syncEndpoints();
    if (wait) await this.waitShown(objects, group, before);
  }

  /** Deletes a group: its objects, its pods, their EndpointSlices; returns once Portway no longer shows them. */
  async remove(group: string): Promise<void> {
    const objects = this.dir.objectsOf(group);
    await this.dir.remove(group);
    for (const d of objects.filter((o) => o.kind === 'Deployment')) await this.workloads.removeDeployment(`${d.metadata.namespace ?? 'default'}/${d.metadata.name}`);
    await this.syncEndpoints();
    await this.waitGone(objects);
  }

  /** Adds one object to a group (an action's create). */
  async create(group: string, object: KubeObject): Promise<void> {
    await this.apply(group, [...this.dir.objectsOf(group).filter((o) => objectId(o) !== objectId(object)), object]);
  }

  /** Changes one object wherever it lives and waits until Portway shows the change. */
  async update(kind: string, namespace: string | undefined, name: string, mutate: (o: KubeObject) => KubeObject | void): Promise<KubeObject> {
    const current = this.dir.get(kind, namespace, name);
    if (!current) throw new Error(`${kind} ${namespace ? `${namespace}/` : ''}${name} does not exist`);
    const changed = mutatedCopy(current, mutate);
    const before = await this.generationsBefore([changed]);
    const next = await this.dir.update(kind, namespace, name, () => structuredClone(changed));
    if (kind === 'Deployment') await this.workloads.ensureDeployment(next, this.readKey);
    if (kind === 'Deployment' || kind === 'Service') await this.syncEndpoints();
    const group = this.dir.ownerOf(kind, namespace, name)!;
    await this.waitShown([next], group, before);
    return next;
  }

  /** Deletes one object and waits until Portway no longer shows it. */
  async deleteObject(kind: string, namespace: string | undefined, name: string): Promise<void> {
    const o = this.dir.get(kind, namespace, name);
    if (!o) throw new Error(`${kind} ${namespace ? `${namespace}/` : ''}${name} does not exist`);
    await this.dir.delete(kind, namespace, name);
    if (kind === 'Deployment') await this.workloads.removeDeployment(`${namespace ?? 'default'}/${name}`);
    if (kind === 'Deployment' || kind === 'Service') await this.syncEndpoints();
    await this.waitGone([o]);
  }

  /** Running pods in a namespace. */
  podCount(namespace: string): number {
    return this.workloads.running().filter((p) => p.plan.namespace === namespace).length;
  }

  /** Rewrites the generated EndpointSlices: one file per group holding Services. */
  async syncEndpoints(): Promise<void> {
    const services = this.dir.all().filter((o) => o.kind === 'Service');
    const slices = this.workloads.endpointSlices(services);
    const byGroup = new Map<string, KubeObject[]>();
    for (const s of slices) {
      const svc = s.metadata.labels?.['kubernetes.io/service-name'] ?? '';
      const owner = this.dir.ownerOf('Service', s.metadata.namespace, svc) ?? '';
      byGroup.set(owner + ENDPOINTS_SUFFIX, [...(byGroup.get(owner + ENDPOINTS_SUFFIX) ?? []), s]);
    }
    for (const [file, list] of byGroup) await this.dir.put(file, list);
    for (const file of this.endpointFiles()) if (!byGroup.has(file)) await this.dir.remove(file);
  }

  private endpointFiles(): string[] {
    const files = new Set<string>();
    for (const o of this.dir.all()) {
      if (o.kind !== 'EndpointSlice') continue;
      const f = this.dir.ownerOf(o.kind, o.metadata.namespace, o.metadata.name);
      if (f?.endsWith(ENDPOINTS_SUFFIX)) files.add(f);
    }
    return [...files];
  }

  /**
   * The generations Portway shows now for objects whose spec is about to change (a changed spec
   * must come back with a new generation).
   */
  private async generationsBefore(objects: readonly KubeObject[]): Promise<Map<string, number>> {
    const changed = objects.filter((o) => {
      if (!STATUS_KINDS.has(o.kind)) return false;
      const mine = this.dir.get(o.kind, o.metadata.namespace, o.metadata.name);
      return mine !== undefined && !isDeepStrictEqual(mine['spec'], o['spec']);
    });
    const out = new Map<string, number>();
    if (changed.length === 0) return out;
    const s = await this.readStatus().catch(() => undefined);
    for (const o of changed) {
      const g = s?.get(o.kind, o.metadata.namespace, o.metadata.name)?.metadata.generation;
      if (g !== undefined) out.set(objectId(o), g);
    }
    return out;
  }

  /**
   * Waits until Portway shows every object of a status kind: present, not reported invalid, and,
   * when its spec changed, at a newer generation (or with the new spec). When Portway shows an
   * object but never at the new spec, the wait ends at the time limit with a note instead of a
   * failure: the checks that follow judge the result.
   */
  private async waitShown(objects: readonly KubeObject[], group: string, before: ReadonlyMap<string, number>): Promise<void> {
    const watched = objects.filter((o) => STATUS_KINDS.has(o.kind));
    if (watched.length === 0) return;
    let stale: string[] = [];
    try {
      await pollStatus(this.readStatus, `Portway to load ${group}`, this.settleTimeoutMs, 50, (s) => {
        const rejected = rejections(s, watched);
        if (rejected) return { fatal: rejected };
        stale = [];
        for (const o of watched) {
          const got = s.get(o.kind, o.metadata.namespace, o.metadata.name);
          if (!got) return `${objectId(o)} not shown yet`;
          const prev = before.get(objectId(o));
          if (prev !== undefined && !((got.metadata.generation ?? 0) > prev) && !contains(got.spec, o['spec'])) stale.push(objectId(o));
        }
        return stale.length === 0 || `not at the new spec yet: ${stale.join(', ')}`;
      });
    } catch (e) {
      if (stale.length === 0 || !(e instanceof CheckFailure) || /rejected/.test(e.message)) throw e;
      this.note(`Portway shows ${stale.join(', ')} without the new spec after ${this.settleTimeoutMs} ms`);
    }
  }

  private async waitGone(objects: readonly KubeObject[]): Promise<void> {
    const watched = objects.filter((o) => STATUS_KINDS.has(o.kind));
    if (watched.length === 0) return;
    await pollStatus(this.readStatus, 'Portway to drop deleted objects', this.settleTimeoutMs, 50, (s) => {
      const left = watched.filter((o) => s.get(o.kind, o.metadata.namespace, o.metadata.name));
      return left.length === 0 || `still shown: ${left.map(objectId).join(', ')}`;
    });
  }
}

/** A message for objects Portway reported as invalid, if any. */
function rejections(s: StatusSnapshot, objects: readonly KubeObject[]): string | undefined {
  const hits: StatusError[] = s.errors.filter((e) => objects.some((o) => e.kind === o.kind && e.name === o.metadata.name && (e.namespace ?? '') === (o.metadata.namespace ?? '')));
  if (hits.length === 0) return undefined;
  return `Portway rejected ${hits.map((e) => `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.path ? ` (${e.path})` : ''}: ${e.message}`).join('; ')}`;
}

function mutatedCopy(o: KubeObject, mutate: (o: KubeObject) => KubeObject | void): KubeObject {
  const copy = structuredClone(o);
  return mutate(copy) ?? copy;
}

function readKeyOf(o: KubeObject, key: string): string | undefined {
  if (o.kind === 'Secret') {
    const data = o['data'] as Record<string, string> | undefined;
    if (data && typeof data[key] === 'string') return Buffer.from(data[key], 'base64').toString('utf8');
    return (o['stringData'] as Record<string, string> | undefined)?.[key];
  }
  return (o['data'] as Record<string, string> | undefined)?.[key];
}
