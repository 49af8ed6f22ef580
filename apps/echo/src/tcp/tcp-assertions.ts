import type tls from 'node:tls';
import { marshal, type GoJsonValue } from '../go/json.js';
import { goCipherSuiteName, goCurveName, goTlsVersionName } from '../go/tls-names.js';
import type { PodContext } from '../pod-context.js';

/** The configured ports the TCP server reports. */
export interface TcpPorts {
  readonly tcpPort: string;
  readonly tlsPort: string;
}

/**
 * The JSON line answering `TEST`: upstream's `TCPAssertions` (context, ports, `isTLS`, and for a
 * TLS connection `tls` with version, SNI, ALPN, key exchange group and cipher suite).
 */
export function tcpAssertionsLine(
  pod: PodContext,
  ports: TcpPorts,
  secure: { socket: tls.TLSSocket; group: number | undefined } | undefined,
): Buffer {
  const socket = secure?.socket;
  const fields = new Map<string, GoJsonValue>([
    ['namespace', pod.namespace],
    ['ingress', pod.ingress],
    ['service', pod.service],
    ['pod', pod.pod],
    ['tcpport', ports.tcpPort],
  ]);
  if (ports.tlsPort !== '') fields.set('tlsport', ports.tlsPort);
  fields.set('isTLS', socket !== undefined);
  if (socket) {
    const t = new Map<string, GoJsonValue>([
      ['version', goTlsVersionName(socket)],
      ['serverName', typeof socket.servername === 'string' ? socket.servername : ''],
    ]);
    if (typeof socket.alpnProtocol === 'string' && socket.alpnProtocol !== '') t.set('negotiatedProtocol', socket.alpnProtocol);
    const curve = goCurveName(secure!.group);
    if (curve !== '') t.set('curves', curve);
    t.set('cipherSuite', goCipherSuiteName(socket));
    fields.set('tls', t);
  }
  return Buffer.concat([marshal(fields), Buffer.from('\n')]);
}
