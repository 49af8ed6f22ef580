import { websocketHandshake } from '../websocket/handshake.js';
import { reply, TEXT_PLAIN, type HttpAction } from './action.js';
import { echoHandler, type HttpHandlerContext } from './echo-handler.js';
import { globalOptionsAnswer, muxRoute } from './mux.js';
import { headerGet, type EchoHttpRequest } from './request.js';
import { retryHandler, type RetryCounters } from './retry-handler.js';
import { healthHandler, statusHandler } from './status-handler.js';

/** What the request handlers of one server instance share. */
export interface ServerHandlerContext extends HttpHandlerContext {
  readonly retryCounters: RetryCounters;
}

/**
 * The handler chain of the HTTP and HTTPS listeners. `canHijack` is false over HTTP/2, where
 * upstream's WebSocket handler cannot take the connection over (the stream is reset).
 */
export async function handleMuxRequest(
  req: EchoHttpRequest,
  ctx: ServerHandlerContext,
  canHijack: boolean,
): Promise<HttpAction> {
  const route = muxRoute(req);
  switch (route.kind) {
    case 'answer': return route.action;
    case 'health': return healthHandler();
    case 'status': return statusHandler(req);
    case 'retry': return retryHandler(req, ctx, ctx.retryCounters);
    case 'ws': return canHijack ? websocketHandshake(req) : { kind: 'abort' };
    case 'echo': return echoHandler(req, ctx);
  }
}

/**
 * The handler of the h2c listener: HTTP/2 requests and HTTP/1.1 requests carrying
 * `Upgrade: h2c` are echoed (no mux: no `/status`, `/retry`, `/ws`); anything else gets
 * 400 `Expected h2c request`.
 */
export async function handleH2cRequest(req: EchoHttpRequest, ctx: HttpHandlerContext): Promise<HttpAction> {
  const options = globalOptionsAnswer(req);
  if (options) return options;
  if (req.proto !== 'HTTP/2.0' && headerGet(req, 'Upgrade') !== 'h2c') {
    return reply(400, [['Content-Type', TEXT_PLAIN]], 'Expected h2c request');
  }
  return echoHandler(req, ctx);
}
