/**
 * Entry point of every request and upgrade on a bound socket: route, then hand over to an
 * Exchange (or a tunnel for upgrades).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BoundSocket, HttpEntry } from '../server/bound-socket.js';
import { Exchange } from './exchange.js';
import { sendStatus } from './gateway-responses.js';
import type { ClientRequest, ClientResponse } from './http-types.js';
import type { ProxyContext } from './proxy-context.js';
import { routeRequest } from './route-request.js';
import { openTunnel, refuse } from './upgrade-tunnel.js';

export class RequestHandler implements HttpEntry {
  constructor(private readonly ctx: ProxyContext) {}

  onRequest(bound: BoundSocket, req: ClientRequest, res: ClientResponse): void {
    try {
      const r = routeRequest(bound, req);
      if (r.status !== 0) {
        sendStatus(res, r.status, r.grpc);
        return;
      }
      new Exchange(this.ctx, req, res, r as Extract<typeof r, { status: 0 }>).run();
    } catch (err) {
      // A bug must cost one request, never the process.
      this.ctx.log('error', 'request handling failed', { error: (err as Error).stack ?? String(err) });
      sendStatus(res, 500, false);
    }
  }

  onUpgrade(bound: BoundSocket, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const r = routeRequest(bound, req);
      if (r.status !== 0) {
        refuse(socket, r.status);
        return;
      }
      openTunnel(this.ctx, req, socket, head, r as Extract<typeof r, { status: 0 }>);
    } catch (err) {
      this.ctx.log('error', 'upgrade handling failed', { error: (err as Error).stack ?? String(err) });
      socket.destroy();
    }
  }
}
