/**
 * Forwards one client connection (plain TCP, a TLS passthrough connection, or the decrypted
 * side of a TLS-terminated one) to a backend chosen for it: a backendRef by weight, then the
 * backend's next ready endpoint (round-robin). No usable choice, or a failed connect, closes
 * the client connection. `prefix` is written first (the ClientHello a passthrough peeked). An
 * endpoint with an east-west gateway (`via`) is reached through its mutual-TLS tunnel.
 */
import net, { type Socket } from 'node:net';
import type { CompiledL4Route } from '../compile/compiled-types.js';
import { openEastWestStream } from '../east-west/east-west-connect.js';
import type { L4Context } from './l4-context.js';
import { splice } from './splice.js';

export function forwardConnection(ctx: L4Context, client: Socket, route: CompiledL4Route, prefix: Buffer | null): void {
  const ref = route.picker.pick();
  const upstream = ref?.backend?.next() ?? null;
  if (upstream === null) {
    // No backendRef with weight, an invalid one (backend: null), or no ready endpoint.
    client.destroy();
    return;
  }
  client.on('error', onClientError);
  // An endpoint behind its cluster's east-west gateway is reached through a mutual-TLS tunnel.
  const ew = upstream.eastWestRoute;
  let backend: Socket;
  try {
    backend = ew !== null ? openEastWestStream(ew) : net.connect({ host: upstream.address, port: upstream.port, noDelay: true, allowHalfOpen: true });
  } catch (err) {
    ctx.log('warn', 'L4 backend connect failed', { route: route.id, endpoint: `${upstream.address}:${upstream.port}`, error: (err as Error).message });
    client.destroy();
    return;
  }
  const timer = setTimeout(() => backend.destroy(new Error('connect timeout')), ctx.limits.connectTimeoutMs);
  const onEarlyClose = () => {
    clearTimeout(timer);
    backend.destroy();
  };
  client.once('close', onEarlyClose);
  backend.once(ew !== null ? 'secureConnect' : 'connect', () => {
    clearTimeout(timer);
    client.off('close', onEarlyClose);
    backend.off('error', onConnectError);
    if (client.destroyed) {
      backend.destroy();
      return;
    }
    if (prefix !== null && prefix.length > 0) backend.write(prefix);
    splice(client, backend, ctx.limits.tcpIdleMs);
  });
  const onConnectError = (err: Error) => {
    clearTimeout(timer);
    ctx.log('debug', 'L4 backend connect failed', { route: route.id, endpoint: `${upstream.address}:${upstream.port}`, error: err.message });
    client.destroy();
  };
  backend.once('error', onConnectError);
}

function onClientError(): void {
  // The splice (or the early-close handler) ends the backend side.
}
