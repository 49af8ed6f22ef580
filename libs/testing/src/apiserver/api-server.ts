/**
 * The API-server test double: a real HTTP server on loopback that the real `@kubernetes/client-node`
 * and the real `kubectl` talk to unchanged. Test code only; never a runtime dependency.
 *
 * Serves discovery (legacy and aggregated), `/version`, OpenAPI v3 (for `kubectl apply`'s field
 * validation and patch metadata), and for every served kind: get, list (resourceVersion,
 * limit/continue, label and field selectors), watch, create, update, patch, delete,
 * deletecollection and the status subresource. Objects live in memory for the server's life.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCrdPaths, loadCrds } from './crd-loader.js';
import { builtinResourceTypes } from './builtin-resources.js';
import { aggregatedDiscovery, aggregatedDiscoveryType, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { ErrorInjector, type ErrorInjection, type Verb } from './faults.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { openApiDocument, openApiIndex } from './openapi.js';
import { Registry } from './registry.js';
import { ResourceHandlers, type ResourceRequest } from './resource-handlers.js';
import { apiVersionOf, resourceId, type ResourceType } from './resource-types.js';
import { ApiError, badRequest, internal, methodNotAllowed, notFoundPath, unsupportedMediaType } from './status-errors.js';
import { toTable, wantsTable } from './table.js';
import { WatchHub, type WatchFilter } from './watch-hub.js';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Loopback address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** CRD files or folders to serve. Default: the shared Gateway API v1.6.1 (experimental) and MCS v0.5.0 CRDs. `[]` serves built-in kinds only. */
  crdPaths?: readonly string[];
  /** Kinds of those CRDs not to install (to test a cluster without some CRDs). */
  skipKinds?: readonly string[];
  /** Events kept for watches to resume from; older resourceVersions are expired (410). Default 10,000. */
  eventWindow?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 1 s (the real API server: about a minute). */
  bookmarkIntervalMs?: number;
  /** Namespaces that exist from the start. Default default, kube-system, kube-public, kube-node-lease. */
  namespaces?: readonly string[];
}

/** One request the double answered. */
export interface RequestRecord {
  method: string;
  path: string;
  verb: Verb | 'discovery' | 'other';
  kind?: string;
  subresource?: string;
  code: number;
  userAgent?: string;
}

type Obj = Record<string, any>;

const MAX_BODY = 3 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413 }));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The API server's verb for a request on a resource path, or undefined for a method it does not serve. */
function verbOf(method: string, named: boolean, watch: string | null): Verb | undefined {
  switch (method) {
    case 'GET':
      return named ? 'get' : watch === 'true' || watch === '1' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/** The running double. */
export class ApiServer {
  readonly store: ObjectStore;
  readonly registry: Registry;
  private readonly handlers: ResourceHandlers;
  private readonly watches: WatchHub;
  private readonly errors = new ErrorInjector();
  private readonly log: RequestRecord[] = [];
  private server: Server | undefined;
  private baseUrl = '';

  constructor(private readonly options: ApiServerOptions = {}) {
    const skip = new Set(options.skipKinds ?? []);
    const crds = loadCrds(options.crdPaths ?? defaultCrdPaths()).filter((c) => !skip.has(c.spec?.names?.kind));
    this.store = new ObjectStore(options.eventWindow ?? 10_000);
    this.registry = new Registry(builtinResourceTypes());
    this.handlers = new ResourceHandlers(this.store, this.registry);
    this.watches = new WatchHub(this.store, this.handlers, options.bookmarkIntervalMs ?? 1000);
    for (const ns of options.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (const crd of crds) this.create(crd);
  }

  /** `http://host:port`. */
  get url(): string {
    return this.baseUrl;
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const a = server.address() as AddressInfo;
    this.server = server;
    this.baseUrl = `http://${a.address}:${a.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.watches.shutdown();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** A kubeconfig (YAML) pointing at this server, for `kubectl --kubeconfig` and `KubeConfig.loadFromString`. */
  kubeconfig(namespace = 'default'): string {
    return kubeconfigYaml(this.baseUrl, namespace);
  }

  /** Writes {@link kubeconfig} to `path` (default: a fresh file in the temp folder) and returns the path. */
  writeKubeconfig(path = join(tmpdir(), `portway-kubeconfig-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`), namespace = 'default'): string {
    writeFileSync(path, this.kubeconfig(namespace), { mode: 0o600 });
    return path;
  }

  // ---------------------------------------------------------------- direct access for tests

  /** A request as a client would make it; a namespaced kind without a namespace means `default`, or every namespace for a list. */
  private requestFor(apiVersion: string, kind: string, namespace: string | undefined, name: string | undefined, subresource?: 'status'): ResourceRequest {
    const found = this.registry.byKind(apiVersion, kind);
    if (!found) throw new Error(`the double serves no ${kind} at ${apiVersion}`);
    const ns = namespace ?? (name === undefined && !subresource ? undefined : 'default');
    return {
      type: found.type,
      version: found.version,
      ...(found.type.namespaced && ns !== undefined ? { namespace: ns } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource ? { subresource } : {}),
      query: new URLSearchParams(),
      manager: 'test',
    };
  }

  /** Creates an object as a client would (admission included); throws the API error on failure. */
  create(object: Obj): Obj {
    return this.handlers.create(this.requestFor(object.apiVersion, object.kind, object.metadata?.namespace ?? 'default', undefined), object).object;
  }

  /**
   * Stores an object without admission, as an API server with laxer (older) schemas might hold it:
   * for tests of how clients cope with objects they consider invalid.
   */
  putUnchecked(object: Obj): Obj {
    const found = this.registry.byKind(object.apiVersion, object.kind);
    if (!found) throw new Error(`the double serves no ${object.kind} at ${object.apiVersion}`);
    const t = found.type;
    const ns = t.namespaced ? (object.metadata?.namespace ?? 'default') : undefined;
    const id = resourceId(t);
    const key = ns ? `${ns}/${object.metadata.name}` : object.metadata.name;
    const old = this.store.get(id, key);
    const rv = this.store.nextRv();
    const metadata = { ...object.metadata, ...(ns ? { namespace: ns } : {}), uid: old?.metadata.uid ?? randomUUID(), creationTimestamp: old?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'), generation: (old?.metadata.generation ?? 0) + 1, resourceVersion: String(rv) };
    return this.store.put(id, key, { ...object, apiVersion: apiVersionOf(t.group, t.storageVersion), metadata }, rv);
  }

  /** Reads an object, or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined {
    try {
      return this.handlers.get(this.requestFor(apiVersion, kind, namespace, name));
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Every object of a kind (in a namespace when given). */
  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    return this.handlers.list(this.requestFor(apiVersion, kind, namespace, undefined)).items;
  }

  /** Replaces an object (or, with `subresource: 'status'`, its status); its resourceVersion, when set, must be current. */
  update(object: Obj, subresource?: 'status'): Obj {
    return this.handlers.update(this.requestFor(object.apiVersion, object.kind, object.metadata?.namespace, object.metadata?.name, subresource), object).object;
  }

  /** Creates the object, or replaces it (ignoring resourceVersion) when it exists. */
  apply(object: Obj): Obj {
    const existing = this.get(object.apiVersion, object.kind, object.metadata?.namespace, object.metadata?.name);
    if (!existing) return this.create(object);
    return this.update({ ...object, metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }

  /** Deletes an object; returns false when it did not exist. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    try {
      this.handlers.delete(this.requestFor(apiVersion, kind, namespace, name), undefined);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  }

  // ---------------------------------------------------------------- fault knobs and counters

  /** Fault knobs for tests. */
  readonly faults = {
    /** The next matching requests fail (409 Conflict by default). */
    injectErrors: (i: ErrorInjection) => this.errors.add(i),
    /** Errors injected so far. */
    injectedCount: () => this.errors.firedCount(),
    /** Open watches go silent (no events, no bookmarks) but stay connected. Returns how many. */
    stallWatches: (filter?: WatchFilter) => this.watches.stall(filter),
    /** Open watches get `410 Gone` and end. Returns how many. */
    expireWatches: (filter?: WatchFilter) => this.watches.expireAll(filter),
    /** Open watches end normally. Returns how many. */
    closeWatches: (filter?: WatchFilter) => this.watches.closeAll(filter),
    /** Every resourceVersion up to now expires (an etcd compaction): resuming a watch or a paged list from one gets 410. */
    expireResourceVersions: () => this.store.compact(),
  };

  /** Number of open watches (of a kind). */
  openWatches(filter?: WatchFilter): number {
    return this.watches.count(filter);
  }

  /** Requests answered so far, oldest first. */
  requests(): readonly RequestRecord[] {
    return this.log;
  }

  /** Number of answered requests matching every given field. */
  countRequests(filter: Partial<RequestRecord>): number {
    return this.log.filter((r) => Object.entries(filter).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v)).length;
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, verb: 'other', code: 200, ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}) };
    try {
      await this.route(req, res, url, record);
    } catch (e) {
      const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
      record.code = err.code;
      if (!res.headersSent) {
        res.writeHead(err.code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(err.body));
      } else res.end();
    } finally {
      this.log.push(record);
    }
  }

  private json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}, contentType = 'application/json'): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, record: RequestRecord): Promise<void> {
    const method = req.method ?? 'GET';
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const accept = req.headers.accept;
    const types = this.registry.all();
    const discovery = (body: unknown, contentType?: string) => {
      record.verb = 'discovery';
      this.json(res, 200, body, {}, contentType);
    };

    if (method === 'GET') {
      if (url.pathname === '/version') {
        return discovery({ major: '1', minor: '32', gitVersion: 'v1.32.0-portway-double', gitCommit: '', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' });
      }
      if (url.pathname === '/_double/requests') {
        // Not a Kubernetes endpoint: counters for tests that run the double in another process.
        const filter = Object.fromEntries([...url.searchParams].map(([k, v]) => [k, k === 'code' ? Number(v) : v]));
        record.verb = 'discovery';
        return this.json(res, 200, { count: this.countRequests(filter) });
      }
      if (['/healthz', '/readyz', '/livez'].includes(url.pathname)) {
        record.verb = 'discovery';
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (url.pathname === '/api' || url.pathname === '/apis') {
        const agg = aggregatedDiscoveryType(accept);
        if (agg) return discovery(aggregatedDiscovery(types, url.pathname === '/api', agg), agg);
        return discovery(url.pathname === '/api' ? apiVersions(req.headers.host ?? '') : apiGroupList(types));
      }
      if (segs[0] === 'openapi' && segs[1] === 'v3') {
        if (segs.length === 2) return discovery(openApiIndex(types));
        const gv = segs[2] === 'api' ? { group: '', version: segs[3] ?? '' } : { group: segs[3] ?? '', version: segs[4] ?? '' };
        if (this.registry.servesGroupVersion(gv.group, gv.version)) return discovery(openApiDocument(gv.group, gv.version, types));
        throw notFoundPath();
      }
      if (segs[0] === 'apis' && segs.length === 2) {
        const ts = types.filter((t) => t.group === segs[1]);
        if (ts.length) return discovery(apiGroup(segs[1]!, ts));
        throw notFoundPath();
      }
      if ((segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3)) {
        const group = segs[0] === 'api' ? '' : segs[1]!;
        const version = segs[segs.length - 1]!;
        if (this.registry.servesGroupVersion(group, version)) return discovery(apiResourceList(group, version, types));
        throw notFoundPath();
      }
    }

    const target = this.parseResourcePath(segs);
    if (!target) throw notFoundPath();
    const { type, version, namespace, name, subresource } = target;
    record.kind = type.kind;
    if (subresource) record.subresource = subresource;
    if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource)) throw notFoundPath();
    const manager = url.searchParams.get('fieldManager') ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0]!;
    const request: ResourceRequest = { type, version, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource ? { subresource: 'status' as const } : {}), query: url.searchParams, manager };
    const verb = verbOf(method, name !== undefined, url.searchParams.get('watch'));
    if (!verb) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    record.verb = verb;
    if ((verb === 'create' && name !== undefined) || (['update', 'patch'].includes(verb) && name === undefined)) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const injected = this.errors.take(verb, type, name, subresource);
    if (injected) throw injected;

    const parseBody = async (): Promise<unknown> => {
      const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
      // JSON only (protobuf and CBOR are not spoken here); clients fall back to JSON on a 415.
      if (method !== 'PATCH' && method !== 'DELETE' && contentType !== 'application/json') throw unsupportedMediaType(contentType);
      const text = await readBody(req);
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text);
      } catch (e) {
        throw badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
      }
    };
    const warnHeader = (warnings: string[]): Record<string, string[]> => (warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {});

    switch (verb) {
      case 'get': {
        const o = this.handlers.get(request);
        if (wantsTable(accept)) return this.json(res, 200, toTable([o], type.printerColumns[version] ?? [], String(this.store.currentRv())));
        return this.json(res, 200, o);
      }
      case 'list': {
        const page = this.handlers.list(request);
        if (wantsTable(accept)) return this.json(res, 200, toTable(page.items, type.printerColumns[version] ?? [], page.resourceVersion));
        // Items of built-in kinds come without apiVersion and kind, as the real API server sends them.
        const items = type.custom ? page.items : page.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
        return this.json(res, 200, {
          kind: type.listKind,
          apiVersion: apiVersionOf(type.group, version),
          metadata: { resourceVersion: page.resourceVersion, ...(page.continue ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}) },
          items,
        });
      }
      case 'watch':
        this.handlers.matcher(request);
        this.watches.serve(request, res);
        return;
      case 'create': {
        const r = this.handlers.create(request, await parseBody());
        return this.json(res, 201, r.object, warnHeader(r.warnings));
      }
      case 'update': {
        const r = this.handlers.update(request, await parseBody());
        return this.json(res, 200, r.object, warnHeader(r.warnings));
      }
      case 'patch': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const r = this.handlers.patch(request, await parseBody(), contentType);
        return this.json(res, 200, r.object, warnHeader(r.warnings));
      }
      case 'delete':
        return this.json(res, 200, this.handlers.delete(request, await parseBody()));
      case 'deletecollection':
        return this.json(res, 200, this.handlers.deleteCollection(request));
    }
  }

  /** `/api/v1/...` or `/apis/<group>/<version>/...` → the resource, namespace, name and subresource. */
  private parseResourcePath(segs: string[]): { type: ResourceType; version: string; namespace?: string; name?: string; subresource?: string } | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1]!, segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
    else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const inner = this.registry.byPath(group, version, rest[2]!);
      if (inner?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const type = this.registry.byPath(group, version, rest[0]!);
    if (!type || rest.length > 3) return undefined;
    if (type.namespaced && namespace === undefined && rest.length > 1) return undefined;
    return { type, version, ...(namespace !== undefined ? { namespace } : {}), ...(rest[1] !== undefined ? { name: rest[1] } : {}), ...(rest[2] !== undefined ? { subresource: rest[2] } : {}) };
  }
}

/** Starts the double on loopback. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  return new ApiServer(options).listen();
}
