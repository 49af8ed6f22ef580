/** A started echo server (any mode). */
export interface EchoServer {
  /** The ports actually bound, by listener: `http`, `h2c`, `https`, `grpc`, `grpcTls`, `tcp`, `tls`, `udp`. */
  readonly ports: Record<string, number>;
  /** Stops listening, ends open connections and pending delays; resolves when done. */
  close(): Promise<void>;
}
