import { bytesToGoString, goStringForDisplay } from '../go/go-string.js';
import { joinHostPort } from '../go/host-port.js';
import { marshal } from '../go/json.js';
import type { LogSink } from '../log.js';
import { closeUdp, listenUdp } from '../net-listen.js';
import type { PodContext } from '../pod-context.js';
import type { EchoServer } from '../running.js';

/** Settings of the UDP mode (defaults applied). */
export interface UdpModeConfig {
  readonly host: string;
  readonly port: number;
  readonly pod: PodContext;
  readonly log: LogSink;
}

/** Upstream reads datagrams into a 1024-byte buffer: longer ones are cut. */
const READ_BUFFER = 1024;

/**
 * The reply to one datagram: `{"request","namespace","ingress","service","pod"}` with the
 * payload (Go string of its first 1024 bytes) as `request`.
 */
export function udpEnvelope(payload: Buffer, pod: PodContext): Buffer {
  return marshal(
    new Map([
      ['request', bytesToGoString(payload.subarray(0, READ_BUFFER))],
      ['namespace', pod.namespace],
      ['ingress', pod.ingress],
      ['service', pod.service],
      ['pod', pod.pod],
    ]),
  );
}

/** Starts the UDP mode: every datagram is answered with the JSON envelope. */
export async function startUdpMode(config: UdpModeConfig): Promise<EchoServer> {
  const { socket, port } = await listenUdp(config.host, config.port, 'udp listener');
  const { namespace, ingress, service, pod } = config.pod;
  config.log(`UDP server listening on :${port} with context: {Namespace:${namespace} Ingress:${ingress} Service:${service} Pod:${pod}}`);
  socket.on('message', (msg, rinfo) => {
    const payload = msg.subarray(0, READ_BUFFER);
    config.log(`Received UDP ${goStringForDisplay(bytesToGoString(payload))} from ${joinHostPort(rinfo.address, rinfo.port)}`);
    socket.send(udpEnvelope(payload, config.pod), rinfo.port, rinfo.address, (err) => {
      if (err) config.log(`Error writing UDP: ${err.message}`);
    });
  });
  socket.on('error', (err) => config.log(`Error reading UDP: ${err.message}`));
  return { ports: { udp: port }, close: () => closeUdp(socket) };
}
