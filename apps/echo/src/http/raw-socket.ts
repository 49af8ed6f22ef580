import type { Socket } from 'node:net';

/** Property set on every accepted connection (the TLS socket too) naming its TCP socket. */
export const RAW_SOCKET: unique symbol = Symbol('portway.echo.rawSocket');

/** A connection that knows its TCP socket. */
export interface WithRawSocket {
  [RAW_SOCKET]?: Socket;
}

/**
 * Resets the TCP connection under `socket` (which may be a TLS socket, or the proxy an HTTP/2
 * session hands out): RST instead of FIN, as upstream's SO_LINGER 0 close.
 */
export function resetConnection(socket: unknown): void {
  const raw = (socket as WithRawSocket | undefined)?.[RAW_SOCKET];
  if (raw && !raw.destroyed) raw.resetAndDestroy();
}
