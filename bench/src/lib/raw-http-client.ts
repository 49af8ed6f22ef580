/**
 * A lean HTTP/1.1 keep-alive client for load generation: requests are pre-encoded bytes, and
 * responses are only framed (status, Content-Length or chunked), never parsed into objects, so
 * the generator costs little CPU per request and does not limit the rate it is asked for.
 * One request in flight per connection (no pipelining), as wrk does.
 */
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

/** Pre-encodes a GET request (the Host header from `headers.host`, or the origin's). */
export function encodeGet(origin: URL, path: string, headers: Readonly<Record<string, string>>): Buffer {
  let host = origin.host;
  let lines = '';
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'host') host = v;
    else lines += `${k}: ${v}\r\n`;
  }
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${lines}\r\n`, 'latin1');
}

/** Where a complete response ends in `buf` (exclusive), with its status; null if incomplete. */
export function frameResponse(buf: Buffer): { end: number; status: number; close: boolean } | null {
  const h = buf.indexOf(HEADER_END);
  if (h < 0) return null;
  const head = buf.toString('latin1', 0, h).toLowerCase();
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/.test(head);
  const bodyStart = h + 4;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { end: bodyStart, status, close };
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl !== null) {
    const end = bodyStart + Number(cl[1]);
    return buf.length >= end ? { end, status, close } : null;
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    // Trailers are not expected from the benchmark targets.
    const t = buf.indexOf(CHUNKED_END, bodyStart - 2);
    return t < 0 ? null : { end: t + CHUNKED_END.length, status, close };
  }
  // No length: the body ends with the connection.
  return null;
}

/** One keep-alive connection; `send` when idle, `onDone` called once per request. */
export class RawConnection {
  private socket: net.Socket | null = null;
  private pending: Buffer | null = null;
  private inFlight = false;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onDone: (conn: RawConnection, status: number, failed: boolean) => void,
  ) {}

  get idle(): boolean {
    return !this.inFlight && !this.closed;
  }

  send(request: Buffer): void {
    this.inFlight = true;
    if (this.socket === null || this.socket.destroyed) this.connect();
    this.socket!.write(request);
  }

  private connect(): void {
    const s = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = s;
    this.pending = null;
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.inFlight) this.complete(0, true);
    });
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const f = frameResponse(buf);
      if (f === null) break;
      buf = buf.subarray(f.end);
      if (f.close) {
        const s = this.socket;
        this.socket = null;
        s?.destroy();
      }
      this.complete(f.status, false);
      if (buf.length === 0 || this.socket === null) break;
    }
    this.pending = buf.length > 0 ? buf : null;
  }

  private complete(status: number, failed: boolean): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.onDone(this, status, failed);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }
}
