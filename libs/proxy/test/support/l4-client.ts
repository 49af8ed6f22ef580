/** L4 clients for end-to-end tests: a TLS or TCP connection that reads the backend's greeting line, and UDP exchanges. */
import dgram from 'node:dgram';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface Greeting {
  /** The greeting line the backend sent ("hello <id> ..."). */
  line: string;
  /** CN of the certificate the client was shown (TLS). */
  cn?: string;
  socket: net.Socket;
}

function readLine(s: net.Socket, resolve: (line: string) => void, reject: (e: Error) => void): void {
  let buf = '';
  const onData = (c: Buffer) => {
    buf += c.toString();
    const nl = buf.indexOf('\n');
    if (nl >= 0) {
      s.off('data', onData);
      resolve(buf.slice(0, nl));
    }
  };
  s.on('data', onData);
  s.once('close', () => reject(new Error(`closed before a line (got ${JSON.stringify(buf)})`)));
}

/** TLS to the gateway; resolves once the backend's greeting arrives, rejects if the connection fails or closes first. */
export function tlsGreeting(host: string, port: number, o: { servername?: string; ca: string; socket?: Duplex; cert?: string; key?: string }): Promise<Greeting> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(o.socket !== undefined ? { socket: o.socket } : { host, port }),
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
      ca: o.ca,
      ...(o.cert !== undefined ? { cert: o.cert, key: o.key } : {}),
      checkServerIdentity: () => undefined,
    });
    s.on('error', reject);
    s.once('secureConnect', () => {
      const cn = String(s.getPeerCertificate().subject?.CN ?? '');
      readLine(s, (line) => resolve({ line, cn, socket: s }), reject);
    });
  });
}

/** Plain TCP to the gateway; resolves with the backend's greeting. */
export function tcpGreeting(host: string, port: number): Promise<Greeting> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.on('error', reject);
    readLine(s, (line) => resolve({ line, socket: s }), reject);
  });
}

/** Sends `text` and reads until `expect` bytes came back. */
export function echo(s: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      if (buf.length >= text.length) {
        s.off('data', onData);
        resolve(buf);
      }
    };
    s.on('data', onData);
    s.once('close', () => reject(new Error('closed during echo')));
    s.write(text);
  });
}

/**
 * A raw TCP connection wrapped in a Duplex whose first write (the ClientHello) is cut into
 * pieces sent `gapMs` apart, so it reaches the gateway in several TCP segments.
 */
export function splittingSocket(host: string, port: number, cuts: number[], gapMs: number): Duplex {
  const raw = net.connect({ host, port, noDelay: true });
  let first = true;
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (!first) {
        raw.write(chunk, cb);
        return;
      }
      first = false;
      const pieces: Buffer[] = [];
      let at = 0;
      for (const c of cuts) {
        if (c <= at || c >= chunk.length) continue;
        pieces.push(chunk.subarray(at, c));
        at = c;
      }
      pieces.push(chunk.subarray(at));
      let i = 0;
      const next = () => {
        raw.write(pieces[i++]!);
        if (i < pieces.length) setTimeout(next, gapMs);
        else cb();
      };
      next();
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on('data', (c: Buffer) => d.push(c));
  raw.on('end', () => d.push(null));
  raw.on('error', (e) => d.destroy(e));
  raw.on('close', () => d.destroy());
  return d;
}

export interface UdpReply {
  id: string;
  port: number;
  payload: string;
  /** Port the reply came from (the gateway's listener port). */
  from: number;
}

/** A UDP client socket (one flow) that sends and awaits one reply per call. */
export class UdpClient {
  private readonly socket = dgram.createSocket('udp4');
  private waiting: ((r: UdpReply) => void) | null = null;
  private readonly ready: Promise<void>;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket.on('message', (msg, rinfo) => {
      const w = this.waiting;
      this.waiting = null;
      w?.({ ...(JSON.parse(msg.toString()) as Omit<UdpReply, 'from'>), from: rinfo.port });
    });
    this.ready = new Promise((r) => this.socket.bind(0, '127.0.0.1', () => r()));
  }

  /** Resolves with the reply, or null after `timeoutMs`. */
  async send(payload: string, timeoutMs = 1000): Promise<UdpReply | null> {
    await this.ready;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.socket.send(payload, this.port, this.host);
    });
  }

  close(): void {
    this.socket.close();
  }
}
