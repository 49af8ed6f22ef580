/** Writing Kubernetes objects through an API server's HTTP API, as kubectl would: create, or replace. */
import { request } from 'undici';

type Obj = Record<string, any>;

/** Writes objects through the API server's HTTP API, as kubectl would (create, or replace). */
export class KubeObjects {
  constructor(private readonly base: string) {}

  static pathOf(o: Obj, named: boolean): string {
    const [group, version] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion)];
    const plural = `${String(o.kind).toLowerCase()}${String(o.kind).endsWith('s') ? 'es' : 's'}`;
    const ns = o.metadata?.namespace as string | undefined;
    const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    return `${prefix}${ns !== undefined ? `/namespaces/${ns}` : ''}/${plural}${named ? `/${String(o.metadata.name)}` : ''}`;
  }

  async put(objects: readonly Obj[]): Promise<void> {
    for (const o of objects) {
      const created = await request(this.base + KubeObjects.pathOf(o, false), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });
      const text = await created.body.text();
      if (created.statusCode === 201 || created.statusCode === 200) continue;
      if (created.statusCode !== 409) throw new Error(`create ${o.kind} ${o.metadata?.name}: ${created.statusCode} ${text}`);
      const url = this.base + KubeObjects.pathOf(o, true);
      const current = await request(url);
      const cur = (await current.body.json()) as Obj;
      const next = { ...o, metadata: { ...o.metadata, resourceVersion: cur.metadata.resourceVersion } };
      const replaced = await request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(next) });
      const rtext = await replaced.body.text();
      if (replaced.statusCode !== 200) throw new Error(`replace ${o.kind} ${o.metadata?.name}: ${replaced.statusCode} ${rtext}`);
    }
  }

  async remove(objects: readonly Obj[]): Promise<void> {
    for (const o of objects) {
      const res = await request(this.base + KubeObjects.pathOf(o, true), { method: 'DELETE' });
      await res.body.dump();
      if (res.statusCode !== 200 && res.statusCode !== 202 && res.statusCode !== 404) throw new Error(`delete ${o.kind} ${o.metadata?.name}: ${res.statusCode}`);
    }
  }
}
