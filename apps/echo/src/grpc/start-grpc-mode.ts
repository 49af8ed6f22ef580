import * as grpc from '@grpc/grpc-js';
import net from 'node:net';
import type tls from 'node:tls';
import { joinHostPort } from '../go/host-port.js';
import { RAW_SOCKET, type WithRawSocket } from '../http/raw-socket.js';
import { tlsAssertionsOf } from '../http/tls-assertions.js';
import type { LogSink } from '../log.js';
import { closeTcp, ConnectionSet, listenTcp } from '../net-listen.js';
import type { PodContext } from '../pod-context.js';
import type { EchoServer } from '../running.js';
import { tlsAcceptor, type ServerTlsMaterial } from '../tls-accept.js';
import { grpcEchoImplementation } from './echo-service.js';
import { loadGrpcEchoService } from './proto.js';

/** Settings of the gRPC mode (defaults applied). */
export interface GrpcModeConfig {
  readonly host: string;
  /** Plaintext gRPC (HTTP/2 cleartext). */
  readonly port: number;
  /** gRPC over TLS, served only with TLS material. */
  readonly tlsPort: number;
  readonly tls: ServerTlsMaterial | undefined;
  readonly pod: PodContext;
  readonly log: LogSink;
}

/**
 * Starts the gRPC mode: `GrpcEcho` on a plaintext listener and, with TLS material, on a TLS
 * listener (ALPN h2). The listeners are Node servers whose connections are injected into
 * grpc-js, so that the TLS details of each connection are at hand for the response.
 */
export async function startGrpcMode(config: GrpcModeConfig): Promise<EchoServer> {
  const service = loadGrpcEchoService();
  const acceptor = config.tls ? tlsAcceptor(config.tls, { alpn: ['h2'] }) : undefined;
  const connections = new ConnectionSet();
  const track = (socket: net.Socket): void => {
    connections.add(socket);
    (socket as WithRawSocket)[RAW_SOCKET] = socket;
    socket.on('error', () => socket.destroy());
  };

  const plainGrpc = new grpc.Server();
  plainGrpc.addService(service, grpcEchoImplementation(service, { pod: config.pod, log: config.log }));
  const plainInjector = plainGrpc.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const plainServer = net.createServer((socket) => {
    track(socket);
    plainInjector.injectConnection(socket);
  });

  // TLS connections by the peer address grpc-js reports for a call (`address:port`).
  const tlsSockets = new Map<string, tls.TLSSocket>();
  const tlsGrpc = new grpc.Server();
  tlsGrpc.addService(
    service,
    grpcEchoImplementation(service, {
      pod: config.pod,
      log: config.log,
      tlsOf: (peer) => {
        const socket = tlsSockets.get(peer);
        return socket ? tlsAssertionsOf(socket) : undefined;
      },
    }),
  );
  // The TLS handshake is done here; grpc-js speaks HTTP/2 over the established TLS socket.
  const tlsInjector = tlsGrpc.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const tlsServer = net.createServer((socket) => {
    track(socket);
    acceptor?.accept(socket, (secure) => {
      const key = `${secure.remoteAddress}:${secure.remotePort}`;
      tlsSockets.set(key, secure);
      secure.once('close', () => tlsSockets.delete(key));
      tlsInjector.injectConnection(secure);
    });
  });

  const servers: net.Server[] = [];
  const close = async (): Promise<void> => {
    const closing = servers.map((s) => closeTcp(s));
    plainInjector.destroy();
    tlsInjector.destroy();
    plainGrpc.forceShutdown();
    tlsGrpc.forceShutdown();
    connections.destroyAll();
    await Promise.all(closing);
  };
  const ports: Record<string, number> = {};
  try {
    ports.grpc = await listenTcp(plainServer, config.host, config.port, 'grpc listener');
    servers.push(plainServer);
    config.log(`plaintext server listening at ${joinHostPort(config.host, ports.grpc)}`);
    if (acceptor) {
      ports.grpcTls = await listenTcp(tlsServer, config.host, config.tlsPort, 'grpc tls listener');
      servers.push(tlsServer);
      config.log(`secure server listening at ${joinHostPort(config.host, ports.grpcTls)}`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { ports, close };
}
