import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server answering GET /status with whatever `objects`/`errors` currently hold. */
export class StatusServer {
  objects: unknown[] = [];
  errors: unknown[] = [];
  reads = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url === '/status') {
        this.reads++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ objects: this.objects, errors: this.errors }));
      } else if (req.url === '/readyz') res.end('ok');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
