import net from 'node:net';
import tls from 'node:tls';
import type { LogSink } from '../log.js';
import { closeTcp, ConnectionSet, listenTcp } from '../net-listen.js';
import type { PodContext } from '../pod-context.js';
import type { EchoServer } from '../running.js';
import { serverSecureContext, type ServerTlsMaterial } from '../tls-accept.js';
import { runLineSession } from './line-session.js';
import { ServerHelloTap } from './server-hello-tap.js';
import { tcpAssertionsLine, type TcpPorts } from './tcp-assertions.js';

/** Settings of the TCP mode (defaults applied). */
export interface TcpModeConfig {
  readonly host: string;
  readonly tcpPort: number;
  /** TCP over TLS (minimum TLS 1.2), served only with TLS material. */
  readonly tlsPort: number;
  readonly tls: ServerTlsMaterial | undefined;
  readonly pod: PodContext;
  /** Upstream logs nothing to stdout in this mode; kept for symmetry. */
  readonly log: LogSink;
}

/** Starts the TCP mode: the line protocol on a plain listener and, with TLS material, a TLS one. */
export async function startTcpMode(config: TcpModeConfig): Promise<EchoServer> {
  const secureContext = config.tls ? serverSecureContext(config.tls, 'TLSv1.2') : undefined;
  const connections = new ConnectionSet();
  // Upstream reports its configured ports; an ephemeral (0) one is reported as bound.
  const ports: { -readonly [K in keyof TcpPorts]: string } = { tcpPort: String(config.tcpPort), tlsPort: String(config.tlsPort) };
  const plain = net.createServer((socket) => {
    connections.add(socket);
    runLineSession(socket, false, tcpAssertionsLine(config.pod, ports, undefined));
  });
  const secure = net.createServer((raw) => {
    connections.add(raw);
    raw.on('error', () => raw.destroy());
    // The handshake runs over a tap that learns the key exchange group (see server-hello-tap.ts).
    const tap = new ServerHelloTap(raw);
    const socket = new tls.TLSSocket(tap.duplex, { isServer: true, secureContext });
    socket.on('error', () => {
      socket.destroy();
      raw.destroy();
    });
    socket.once('secure', () => runLineSession(socket, true, tcpAssertionsLine(config.pod, ports, { socket, group: tap.group })));
  });
  const servers: net.Server[] = [];
  const close = async (): Promise<void> => {
    const closing = servers.map((s) => closeTcp(s));
    connections.destroyAll();
    await Promise.all(closing);
  };
  const bound: Record<string, number> = {};
  try {
    bound.tcp = await listenTcp(plain, config.host, config.tcpPort, 'tcp listener');
    ports.tcpPort = String(bound.tcp);
    servers.push(plain);
    if (secureContext) {
      bound.tls = await listenTcp(secure, config.host, config.tlsPort, 'tls listener');
      ports.tlsPort = String(bound.tls);
      servers.push(secure);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { ports: bound, close };
}
