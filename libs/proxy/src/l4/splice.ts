/**
 * Joins a client connection and a backend connection: bytes are piped both ways untouched,
 * with backpressure (a side that cannot take more pauses the other), half-close (a FIN from
 * one side ends the other's writing side only; the other direction keeps flowing), and an idle
 * timeout (no byte either way for `idleMs` closes both). An error or abrupt close on one side
 * destroys the other.
 */
import type { Socket } from 'node:net';

const kPeer = Symbol('splicePeer');
type Spliced = Socket & { [kPeer]?: Socket };

export function splice(client: Socket, backend: Socket, idleMs: number): void {
  const c = client as Spliced;
  const b = backend as Spliced;
  c[kPeer] = backend;
  b[kPeer] = client;
  client.allowHalfOpen = true;
  backend.allowHalfOpen = true;
  for (const s of [client, backend]) {
    s.setTimeout(idleMs);
    s.on('timeout', onIdle);
    s.on('error', onError);
    s.on('close', onClose);
  }
  // pipe() ends the destination when the source ends: that forwards a half-close.
  client.pipe(backend);
  backend.pipe(client);
  client.resume();
}

function onIdle(this: Spliced): void {
  this.destroy();
  this[kPeer]?.destroy();
}

function onError(this: Spliced): void {
  this[kPeer]?.destroy();
}

/**
 * A side that closed after both of its directions finished (FIN read, FIN sent after its peer's)
 * leaves the peer to finish writing what it holds; any other close ends the peer at once.
 */
function onClose(this: Spliced): void {
  const peer = this[kPeer];
  if (peer === undefined || peer.destroyed) return;
  if (this.readableEnded && this.writableFinished) return;
  peer.destroy();
}
