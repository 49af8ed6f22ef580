/**
 * JSON requests to the API server with the credentials of a `KubeConfig` (token, client certificate,
 * exec plugins: whatever `@kubernetes/client-node` applies), and watches through the library's `Watch`.
 *
 * Why not the generated typed clients: they turn timestamps of built-in kinds into `Date` objects and
 * know no resourceVersion on generic lists; Portway needs the objects exactly as the API server sends
 * them (admission re-checks them), so requests go out as plain JSON on one keep-alive agent.
 */
import http from 'node:http';
import https from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** A failed request: the HTTP code and the API server's `Status` (reason, message), or a network error (code 0). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One watch event as the API server streams it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, any>;
}

/** A running watch: abort it to close the connection. */
export interface WatchHandle {
  abort(): void;
}

export class KubeClient {
  private readonly server: URL;
  private agent: http.Agent | undefined;
  private readonly watcher: Watch;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.watcher = new Watch(kubeConfig);
  }

  private async options(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    // The library builds a new agent on every call; keep one keep-alive agent with the same TLS material
    // (a proxy agent is used as given).
    if (!this.kubeConfig.getCurrentCluster()?.proxyUrl) {
      this.agent ??=
        this.server.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername })
          : new http.Agent({ keepAlive: true });
      opts.agent = this.agent;
    }
    return opts;
  }

  /** Sends a request and parses the JSON answer; rejects with {@link KubeApiError} for any code ≥ 300 or a network failure. */
  async request<T = Record<string, any>>(method: string, path: string, options: { query?: Query; body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<T> {
    const url = new URL(this.server.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts = await this.options();
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> = { ...(opts.headers as Record<string, string>), accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { ...opts, method, headers, timeout: options.timeoutMs ?? 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new KubeApiError(0, 'NetworkError', e.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(parsed as T);
          else reject(new KubeApiError(code, parsed?.reason ?? http.STATUS_CODES[code] ?? 'Unknown', `${method} ${url.pathname}: ${parsed?.message ?? text.slice(0, 200)}`, parsed));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs ?? 30_000} ms`)));
      req.on('error', (e) => reject(new KubeApiError(0, 'NetworkError', `${method} ${url.pathname}: ${e.message}`)));
      req.end(body);
    });
  }

  /**
   * Opens a watch. `onEvent` gets each event; `onDone` is called once when the stream ends, with the
   * error when it failed (an HTTP 410 on the request is a {@link KubeApiError} with code 410).
   */
  async watch(path: string, query: Query, onEvent: (e: WatchEvent) => void, onDone: (err?: KubeApiError) => void): Promise<WatchHandle> {
    const controller = await this.watcher.watch(
      path,
      query,
      (type: string, object: any) => onEvent({ type: type as WatchEvent['type'], object }),
      (err: any) => {
        if (!err) onDone();
        else if (err.name === 'AbortError' || err.type === 'aborted') onDone();
        else onDone(new KubeApiError(err.statusCode ?? err.code ?? 0, typeof err.statusCode === 'number' ? 'WatchFailed' : 'NetworkError', String(err.message ?? err)));
      },
    );
    return { abort: () => controller.abort() };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/** The API path of a collection (`/apis/<group>/<version>[/namespaces/<ns>]/<plural>`) or of one object in it. */
export function resourcePath(r: { group: string; version: string; plural: string }, namespace?: string, name?: string, subresource?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${base}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
}
