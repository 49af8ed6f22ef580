/**
 * The dialing side of east-west: a connection to an endpoint of another cluster made through
 * that cluster's east-west gateway (`Endpoint.via`). The proxy opens mutual TLS to the gateway,
 * presenting the ClusterSet client certificate and trusting only the ClusterSet CA, and names
 * the endpoint in the server name (see east-west-name.ts); the gateway relays the raw bytes.
 * What the proxy would have sent to the endpoint directly (HTTP/1.1, H2C, backend TLS, a TCP
 * stream) then flows inside the tunnel unchanged.
 */
import tls, { type TLSSocket } from 'node:tls';
import { eastWestServerName, type EastWestTarget } from './east-west-name.js';

/** The ClusterSet credentials a proxy presents to east-west gateways (PEM). */
export interface EastWestClientTls {
  /** The ClusterSet CA: the gateway's certificate must chain to it. */
  readonly ca: string;
  /** Client certificate signed by the ClusterSet CA, and its key. */
  readonly cert: string;
  readonly key: string;
}

/** Address and port of an east-west gateway. */
export interface EastWestGateway {
  readonly address: string;
  readonly port: number;
}

/**
 * Opens a tunnel to `target` through the gateway at `via`. The socket emits `secureConnect`
 * once the gateway accepted the client certificate (bytes written before are buffered); a
 * gateway that refuses the endpoint closes the tunnel right after. Throws (a clear message)
 * when `credentials` is null: the proxy has no east-west certificate.
 *
 * The gateway is authenticated by its certificate chaining to the ClusterSet CA (any member of
 * the ClusterSet may relay): its name is not checked, since the server name carries the target.
 */
export function dialEastWest(credentials: EastWestClientTls | null, via: EastWestGateway, target: EastWestTarget): TLSSocket {
  if (credentials === null) {
    throw new Error(
      `endpoint ${target.address}:${target.port} is reached through the east-west gateway ${via.address}:${via.port}, but this proxy has no east-west client certificate (portway agent --east-west-cert/--east-west-key/--east-west-ca)`,
    );
  }
  const socket = tls.connect({
    host: via.address,
    port: via.port,
    servername: eastWestServerName(target.address, target.port),
    ca: [credentials.ca],
    cert: credentials.cert,
    key: credentials.key,
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  });
  socket.setNoDelay(true);
  // The relay forwards half-closes: a FIN on one direction leaves the other flowing.
  socket.allowHalfOpen = true;
  return socket;
}
