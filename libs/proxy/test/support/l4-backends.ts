/**
 * L4 backends for end-to-end tests, on loopback: a TCP echo (greets with its id, then echoes),
 * a TLS echo with its own certificate (passthrough targets), a TLS "sink and source" (hashes
 * what it receives while sending a fixed payload: the 10 MB test), and a UDP echo that answers
 * with its id and the source port it saw.
 */
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';

export interface L4Backend {
  id: string;
  address: string;
  port: number;
  /** Connections (TCP/TLS) or datagrams (UDP) served. */
  served: number;
  close(): Promise<void>;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: net.Server, connectionEvent: string): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on(connectionEvent, (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** Plain TCP: sends "hello <id>\n", then echoes every byte back. */
export async function startTcpEcho(id: string, address: string): Promise<L4Backend> {
  const b: L4Backend = { id, address, port: 0, served: 0, close: null! };
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    b.served++;
    s.on('error', () => undefined);
    s.write(`hello ${id}\n`);
    s.pipe(s);
  });
  const sockets = track(server, 'connection');
  await new Promise<void>((r) => server.listen(0, address, r));
  b.port = (server.address() as AddressInfo).port;
  b.close = closer(server, sockets);
  return b;
}

/** TLS with its own certificate: sends "hello <id> <sni>\n", then echoes. */
export async function startTlsEcho(id: string, address: string, cert: { cert: string; key: string }): Promise<L4Backend> {
  const b: L4Backend = { id, address, port: 0, served: 0, close: null! };
  const server = tls.createServer({ cert: cert.cert, key: cert.key, allowHalfOpen: true }, (s) => {
    b.served++;
    s.on('error', () => undefined);
    s.write(`hello ${id} ${s.servername || '-'}\n`);
    s.pipe(s);
  });
  server.on('tlsClientError', () => undefined);
  const sockets = track(server, 'secureConnection');
  await new Promise<void>((r) => server.listen(0, address, r));
  b.port = (server.address() as AddressInfo).port;
  b.close = closer(server, sockets);
  return b;
}

export interface SinkSource extends L4Backend {
  /** sha256 (hex) of everything each connection received, in order of completion. */
  received: string[];
}

/** TLS: on each connection writes `payload` then ends its side, while hashing all it receives. */
export async function startTlsSinkSource(id: string, address: string, cert: { cert: string; key: string }, payload: Buffer): Promise<SinkSource> {
  const b: SinkSource = { id, address, port: 0, served: 0, received: [], close: null! };
  const server = tls.createServer({ cert: cert.cert, key: cert.key, allowHalfOpen: true }, (s) => {
    b.served++;
    s.on('error', () => undefined);
    const h = createHash('sha256');
    s.on('data', (c: Buffer) => h.update(c));
    s.on('end', () => b.received.push(h.digest('hex')));
    s.end(payload);
  });
  const sockets = track(server, 'secureConnection');
  await new Promise<void>((r) => server.listen(0, address, r));
  b.port = (server.address() as AddressInfo).port;
  b.close = closer(server, sockets);
  return b;
}

export interface UdpEcho extends L4Backend {
  /** Source ports seen, by payload. */
  sources: Map<string, Set<number>>;
}

/** UDP: answers each datagram with JSON {id, port (the source port it saw), payload}. */
export async function startUdpEcho(id: string, address: string): Promise<UdpEcho> {
  const socket = dgram.createSocket('udp4');
  const b: UdpEcho = { id, address, port: 0, served: 0, sources: new Map(), close: null! };
  socket.on('message', (msg, rinfo) => {
    b.served++;
    const payload = msg.toString();
    let seen = b.sources.get(payload);
    if (seen === undefined) b.sources.set(payload, (seen = new Set()));
    seen.add(rinfo.port);
    socket.send(JSON.stringify({ id, port: rinfo.port, payload }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, address, r));
  b.port = socket.address().port;
  b.close = () => new Promise<void>((r) => socket.close(() => r()));
  return b;
}
