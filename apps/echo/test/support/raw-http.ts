import net from 'node:net';
import tls from 'node:tls';

/** A response read off the wire. */
export interface RawResponse {
  readonly statusLine: string;
  readonly status: number;
  /** Header lines in order, names as sent. */
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  /** Everything received. */
  readonly raw: Buffer;
}

/** The first value of a header (case-insensitive name). */
export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** Parses one HTTP/1.1 response from bytes (Content-Length or close-delimited body). */
export function parseResponse(raw: Buffer): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines[0]!;
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
  });
  const cl = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  const rest = raw.subarray(end + 4);
  if (cl !== undefined && rest.length < Number(cl)) return undefined;
  return {
    statusLine,
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: cl !== undefined ? rest.subarray(0, Number(cl)) : rest,
    raw,
  };
}

/**
 * Sends raw request bytes and reads one response. Resolves when a full response arrived (by
 * Content-Length), or when the server closes; rejects on a reset, or after `timeoutMs`.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  opts: { host?: string; tls?: tls.ConnectionOptions; timeoutMs?: number; waitForClose?: boolean } = {},
): Promise<RawResponse> {
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const socket: net.Socket = opts.tls ? tls.connect({ host, port, ...opts.tls }) : net.connect({ host, port });
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) {
        reject(err);
        return;
      }
      const parsed = parseResponse(buf) ?? { statusLine: '', status: 0, headers: [], body: Buffer.alloc(0), raw: buf };
      resolve(parsed);
    };
    const timer = setTimeout(() => finish(new Error(`no response within ${opts.timeoutMs ?? 5000} ms`)), opts.timeoutMs ?? 5000);
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!opts.waitForClose && parseResponse(buf)?.headers.some(([n]) => n.toLowerCase() === 'content-length')) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (e) => finish(e));
  });
}
