import net from 'node:net';
import tls from 'node:tls';

/** A line-oriented client: send lines, read lines, with a time limit per read. */
export interface LineClient {
  readLine(timeoutMs?: number): Promise<string>;
  send(text: string): void;
  close(): void;
  readonly socket: net.Socket;
}

/** Connects (TLS when `tlsOptions` is given) and reads lines as they come. */
export function connectLines(port: number, tlsOptions?: tls.ConnectionOptions): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = tlsOptions
      ? tls.connect({ host: '127.0.0.1', port, ...tlsOptions })
      : net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const waiters: Array<(line: string | Error) => void> = [];
    const pump = (): void => {
      let nl: number;
      while (waiters.length > 0 && (nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl + 1);
        buf = buf.slice(nl + 1);
        waiters.shift()!(line);
      }
    };
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      pump();
    });
    socket.on('error', (e) => {
      while (waiters.length) waiters.shift()!(e);
      reject(e);
    });
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () =>
      resolve({
        socket,
        send: (text) => socket.write(text),
        close: () => socket.destroy(),
        readLine: (timeoutMs = 3000) =>
          new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no line within ${timeoutMs} ms`)), timeoutMs);
            waiters.push((l) => {
              clearTimeout(timer);
              if (l instanceof Error) rej(l);
              else res(l);
            });
            pump();
          }),
      }),
    );
  });
}
