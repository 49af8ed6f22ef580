import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { objectId, stringifyManifests, type KubeObject } from '../manifests/yaml-docs.js';

/**
 * The "cluster": a folder Portway watches, holding multi-document YAML files, plus the runner's
 * own copy of every object in it. Objects are grouped in named files (the base manifests, a
 * test's manifests, generated EndpointSlices...). A file is written to a staging folder and
 * renamed into place, so Portway never reads half a file.
 */
export class ClusterDir {
  private readonly files = new Map<string, KubeObject[]>();
  private seq = 0;

  constructor(
    /** The folder Portway watches (`portway run -f`). */
    readonly dir: string,
    /** A folder on the same file system for staging writes. */
    private readonly stagingDir: string,
    /** Kinds kept only in memory (workloads the runner runs itself), never written for Portway. */
    private readonly memoryOnlyKinds: ReadonlySet<string> = new Set(['Deployment', 'Pod', 'ReplicaSet', 'StatefulSet', 'DaemonSet']),
  ) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.stagingDir, { recursive: true });
  }

  /** Replaces the content of a file (creating it); an unchanged content is not rewritten. */
  async put(file: string, objects: readonly KubeObject[]): Promise<void> {
    const prev = this.files.get(file);
    if (prev && isDeepStrictEqual(prev, objects)) return;
    for (const o of objects) {
      const owner = this.ownerOf(o.kind, o.metadata.namespace, o.metadata.name);
      if (owner !== undefined && owner !== file) throw new Error(`${objectId(o)} is already defined in ${owner}`);
    }
    this.files.set(file, objects.map((o) => structuredClone(o)));
    await this.write(file);
  }

  /** Deletes a file and its objects (no-op when absent). */
  async remove(file: string): Promise<void> {
    if (!this.files.delete(file)) return;
    await rm(join(this.dir, fileName(file)), { force: true });
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  /** A copy of the objects of a file. */
  objectsOf(file: string): KubeObject[] {
    return (this.files.get(file) ?? []).map((o) => structuredClone(o));
  }

  /** Every object of every file. */
  all(): KubeObject[] {
    return [...this.files.values()].flat();
  }

  /** The file an object lives in, if any. */
  ownerOf(kind: string, namespace: string | undefined, name: string): string | undefined {
    for (const [file, objects] of this.files) {
      if (objects.some((o) => matches(o, kind, namespace, name))) return file;
    }
    return undefined;
  }

  /** The current copy of an object (read-only by convention). */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    for (const objects of this.files.values()) {
      const o = objects.find((x) => matches(x, kind, namespace, name));
      if (o) return o;
    }
    return undefined;
  }

  /** Applies `mutate` to a copy of an object and rewrites its file. Returns the new object. */
  async update(kind: string, namespace: string | undefined, name: string, mutate: (o: KubeObject) => KubeObject | void): Promise<KubeObject> {
    const file = this.ownerOf(kind, namespace, name);
    if (file === undefined) throw new Error(`${kind} ${namespace ? `${namespace}/` : ''}${name} does not exist`);
    const objects = this.files.get(file)!;
    const i = objects.findIndex((o) => matches(o, kind, namespace, name));
    const copy = structuredClone(objects[i]!);
    const next = mutate(copy) ?? copy;
    objects[i] = next;
    await this.write(file);
    return next;
  }

  /** Removes one object from its file (rewriting it, or deleting it when it becomes empty). */
  async delete(kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    const file = this.ownerOf(kind, namespace, name);
    if (file === undefined) return false;
    const rest = this.files.get(file)!.filter((o) => !matches(o, kind, namespace, name));
    if (rest.length === 0) await this.remove(file);
    else {
      this.files.set(file, rest);
      await this.write(file);
    }
    return true;
  }

  /** Decoded value of a Secret key (`data` is base64, `stringData` plain) or a ConfigMap key. */
  readKey(kind: string, namespace: string, name: string, key: string): string | undefined {
    const o = this.get(kind, namespace, name);
    if (!o) return undefined;
    if (kind === 'Secret') {
      const data = o['data'] as Record<string, string> | undefined;
      if (data && typeof data[key] === 'string') return Buffer.from(data[key], 'base64').toString('utf8');
      const sd = o['stringData'] as Record<string, string> | undefined;
      return sd?.[key];
    }
    const data = o['data'] as Record<string, string> | undefined;
    return data?.[key];
  }

  private async write(file: string): Promise<void> {
    const staged = join(this.stagingDir, `${fileName(file)}.${process.pid}.${++this.seq}`);
    const written = (this.files.get(file) ?? []).filter((o) => !this.memoryOnlyKinds.has(o.kind));
    await writeFile(staged, stringifyManifests(written));
    await rename(staged, join(this.dir, fileName(file)));
  }
}

function matches(o: KubeObject, kind: string, namespace: string | undefined, name: string): boolean {
  return o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === (namespace ?? '');
}

/** File names are file-system safe versions of the group name. */
function fileName(file: string): string {
  return `${file.replace(/[^A-Za-z0-9._-]/g, '_')}.yaml`;
}
