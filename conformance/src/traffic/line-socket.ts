import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { goCheckServerIdentity } from './tls-identity.js';

/** TLS settings for an L4 client: SNI, trusted PEMs (system roots when none). */
export interface L4Tls {
  serverName?: string;
  ca?: string[];
}

/**
 * A TCP (or TLS) connection read line by line, with a deadline for every operation; used for the
 * echo backend's TCP protocol (welcome line, PING/PONG, IS_TLS, TEST).
 */
export class LineSocket {
  private buffer = '';
  private waiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  private error: Error | undefined;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.flush();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('end', () => {
      this.ended = true;
      this.fail(new Error('EOF'));
    });
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects (and, with `tls`, completes the handshake) within `timeoutMs`. */
  static async connect(host: string, port: number, timeoutMs: number, tls?: L4Tls): Promise<LineSocket> {
    const socket: Socket = tls
      ? tlsConnect({
          host,
          port,
          minVersion: 'TLSv1.2',
          checkServerIdentity: goCheckServerIdentity,
          ...(tls.serverName ? { servername: tls.serverName } : {}),
          ...(tls.ca && tls.ca.length > 0 ? { ca: tls.ca } : {}),
        })
      : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      });
    });
    return new LineSocket(socket);
  }

  /** The next line, newline included. */
  readLine(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`read timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({
        resolve: done,
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.flush();
    });
  }

  write(s: string): void {
    this.socket.write(s);
  }

  close(): void {
    this.socket.destroy();
  }

  private flush(): void {
    while (this.waiters.length > 0) {
      const i = this.buffer.indexOf('\n');
      if (i < 0) break;
      const line = this.buffer.slice(0, i + 1);
      this.buffer = this.buffer.slice(i + 1);
      this.waiters.shift()!.resolve(line);
    }
    if (this.error && this.buffer.indexOf('\n') < 0) {
      for (const w of this.waiters.splice(0)) w.reject(this.error);
    }
  }

  private fail(e: Error): void {
    this.error ??= this.ended && e.message === 'connection closed' ? new Error('EOF') : e;
    this.flush();
  }
}
