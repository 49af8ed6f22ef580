/**
 * Reads a TLS client's first bytes until its ClientHello is complete (it may arrive in several
 * TCP segments), bounded in bytes (MAX_CLIENT_HELLO_BYTES plus record headers) and in time.
 * Nothing is consumed for good: `done` gets every byte read, and the socket is left paused so
 * the caller can forward them or unshift them for node:tls.
 */
import type { Socket } from 'node:net';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from './client-hello.js';

/** The bytes of a ClientHello in records: the message plus a header per (at most 16 KiB) record. */
const MAX_PEEK_BYTES = MAX_CLIENT_HELLO_BYTES + 5 * Math.ceil(MAX_CLIENT_HELLO_BYTES / 1024);

export type PeekOutcome =
  | { readonly ok: true; readonly serverName: string | null; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: string };

export function peekClientHello(socket: Socket, timeoutMs: number, done: (outcome: PeekOutcome) => void): void {
  let buf: Buffer | null = null;
  let finished = false;
  const finish = (outcome: PeekOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    socket.pause();
    done(outcome);
  };
  const onData = (chunk: Buffer) => {
    buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    const r = parseClientHello(buf);
    if (r.status === 'ok') finish({ ok: true, serverName: r.serverName, bytes: buf });
    else if (r.status === 'invalid') finish({ ok: false, reason: r.reason });
    else if (buf.length > MAX_PEEK_BYTES) finish({ ok: false, reason: 'ClientHello too large' });
  };
  const onEnd = () => finish({ ok: false, reason: 'client closed before its ClientHello was complete' });
  const timer = setTimeout(() => finish({ ok: false, reason: 'ClientHello timeout' }), timeoutMs);
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', onEnd);
}
