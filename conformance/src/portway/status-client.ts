import { request } from 'undici';

/** An object as Portway's admin `/status` returns it. */
export interface StatusObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; annotations?: Record<string, string>; labels?: Record<string, string> } & Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A load error Portway reports for a file or object. */
export interface StatusError {
  file?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  path?: string;
  message: string;
}

/** One reading of `/status`, indexed by "Kind namespace/name". */
export class StatusSnapshot {
  private readonly byId = new Map<string, StatusObject>();

  constructor(
    readonly objects: readonly StatusObject[],
    readonly errors: readonly StatusError[],
    /** When it was read (ms since epoch). */
    readonly at: number,
  ) {
    for (const o of objects) this.byId.set(key(o.kind, o.metadata.namespace, o.metadata.name), o);
  }

  get(kind: string, namespace: string | undefined, name: string): StatusObject | undefined {
    return this.byId.get(key(kind, namespace, name));
  }

  list(kind: string, namespace?: string): StatusObject[] {
    return this.objects.filter((o) => o.kind === kind && (namespace === undefined || (o.metadata.namespace ?? '') === namespace));
  }
}

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ?? ''}/${name}`;
}

/** Reads Portway's admin API (`/status`, `/readyz`). */
export class StatusClient {
  constructor(private readonly adminAddress: string) {}

  async read(): Promise<StatusSnapshot> {
    const res = await request(`http://${this.adminAddress}/status`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET /status: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    let body: { objects?: StatusObject[]; errors?: StatusError[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (e) {
      throw new Error(`GET /status: invalid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(body.objects)) throw new Error('GET /status: "objects" is not a list');
    return new StatusSnapshot(body.objects, Array.isArray(body.errors) ? body.errors : [], Date.now());
  }

  async ready(): Promise<boolean> {
    try {
      const res = await request(`http://${this.adminAddress}/readyz`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }
}
