import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** One admin endpoint: returns a status code and a JSON-serialisable body (or text). */
export type AdminHandler = (req: IncomingMessage, url: URL) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

export interface AdminServerOptions {
  host: string;
  port: number;
  routes: Record<string, AdminHandler>;
  registry?: Registry;
}

/**
 * The admin listener: `/healthz`, `/readyz`, `/status`, `/config`, `/metrics` (Prometheus text),
 * plus whatever routes the app adds. Bound to loopback unless configured otherwise.
 */
export class AdminServer {
  private server: Server | undefined;
  readonly registry: Registry;

  constructor(private readonly options: AdminServerOptions) {
    this.registry = options.registry ?? new Registry();
    if (!options.registry) collectDefaultMetrics({ register: this.registry });
  }

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    try {
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
        return;
      }
      const route = this.options.routes[url.pathname];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `no admin endpoint ${url.pathname}`, endpoints: [...Object.keys(this.options.routes), '/metrics'] }));
        return;
      }
      const { status, body } = await route(req, url);
      if (typeof body === 'string') {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(body);
      } else {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (e as Error).message }));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
