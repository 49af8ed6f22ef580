import dgram from 'node:dgram';
import net from 'node:net';

/** Open connections of a listener, so that closing the server ends them too. */
export class ConnectionSet {
  readonly #sockets = new Set<net.Socket>();

  add(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  destroyAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
}

/** Thrown when a listener cannot be bound; names the listener, address and port. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** Binds a TCP server; resolves the port actually bound. */
export function listenTcp(server: net.Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new ListenError(`${what}: cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.removeListener('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Stops accepting and waits for the server to close (connections must be ended separately). */
export function closeTcp(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

/** Binds a UDP socket (`udp4` or `udp6` from the address); resolves the socket and its port. */
export function listenUdp(host: string, port: number, what: string): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(new ListenError(`${what}: cannot listen on ${host}:${port}/udp: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.bind({ address: host, port }, () => {
      socket.removeListener('error', onError);
      resolve({ socket, port: socket.address().port });
    });
  });
}

/** Closes a UDP socket. */
export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
