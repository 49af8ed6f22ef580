import { joinHostPort } from '../go/host-port.js';
import type { LogSink } from '../log.js';
import { closeUdp, listenUdp } from '../net-listen.js';
import type { EchoServer } from '../running.js';
import { answerDnsQuery, flagNames, rcodeName, WHOAMI_ZONE } from './whoami-responder.js';

/** Settings of the DNS mode (defaults applied). */
export interface DnsModeConfig {
  readonly host: string;
  readonly port: number;
  readonly log: LogSink;
}

/**
 * Starts the DNS-over-UDP responder standing in for the suite's CoreDNS backend (see
 * {@link answerDnsQuery}). Queries for names outside `foo.bar.com.` are logged in the format of
 * CoreDNS's `log` plugin, as the Corefile's `.` block does.
 */
export async function startDnsMode(config: DnsModeConfig): Promise<EchoServer> {
  const { socket, port } = await listenUdp(config.host, config.port, 'dns listener');
  config.log(`.:${port}`);
  config.log(`${WHOAMI_ZONE}.:${port}`);
  socket.on('message', (msg, rinfo) => {
    const started = process.hrtime.bigint();
    const outcome = answerDnsQuery(msg, { address: rinfo.address, port: rinfo.port });
    if (!outcome.response) return;
    socket.send(outcome.response, rinfo.port, rinfo.address);
    const q = outcome.query?.questions?.[0];
    if (outcome.logged && q && outcome.query) {
      const opt = outcome.query.additionals?.find((a) => a.type === 'OPT');
      const flags = outcome.response.readUInt16BE(2);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const name = q.name === '.' || q.name === '' ? '.' : `${q.name}.`;
      config.log(
        `[INFO] ${joinHostPort(rinfo.address, rinfo.port)} - ${outcome.query.id ?? 0} "${q.type} ${q.class ?? 'IN'} ${name} udp ${msg.length} ` +
          `${opt && 'flag_do' in opt ? String(opt.flag_do) : 'false'} ${opt && 'udpPayloadSize' in opt ? Math.max(512, opt.udpPayloadSize) : 512}" ` +
          `${rcodeName(flags & 0xf)} ${flagNames(flags)} ${outcome.response.length} ${seconds}s`,
      );
    }
  });
  socket.on('error', () => undefined);
  return { ports: { udp: port }, close: () => closeUdp(socket) };
}
