/**
 * A TCP relay standing for a network link (a spoke's leafnode connection to the hub): it forwards
 * connections from its own port to a target, and can cut the link (close every relayed connection
 * and refuse new ones) and restore it — a real link failure the NATS servers see as one.
 */
import net from 'node:net';

export class TcpRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens (again). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
  }

  /** Cuts the link: relayed connections are destroyed and new ones refused until `open()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  isOpen(): boolean {
    return this.server !== undefined;
  }
}
