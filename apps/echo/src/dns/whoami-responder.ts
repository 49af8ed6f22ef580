import dnsPacket, { type Answer, type OptAnswer, type Packet, type Question } from 'dns-packet';

/**
 * The zone the conformance suite's CoreDNS answers itself (Corefile block
 * `foo.bar.com:53 { whoami }`); every other name goes to its `.` block, which forwards to public
 * resolvers.
 */
export const WHOAMI_ZONE = 'foo.bar.com';

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, BADVERS: 16 } as const;
const OPCODE_QUERY = 0;
const OPCODE_NOTIFY = 4;
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_Z = 0x0040;
const FLAG_AD = 0x0020;
const FLAG_CD = 0x0010;
/** EDNS options CoreDNS passes back (NSID, EXPIRE, COOKIE, TCP keepalive, padding). */
const SUPPORTED_EDNS_OPTIONS = new Set([3, 9, 10, 11, 12]);

/** The client a query came from. */
export interface DnsClient {
  readonly address: string;
  readonly port: number;
}

/** What answering one datagram produced. */
export interface DnsOutcome {
  /** The response datagram, or `undefined` when the query is dropped (as the server would). */
  readonly response: Buffer | undefined;
  /** `true` when the name belongs to the `.` block, whose `log` plugin logs the query. */
  readonly logged: boolean;
  /** The parsed query, when it parsed. */
  readonly query: Packet | undefined;
}

function header(id: number, flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(flags, 2);
  return b;
}

/**
 * Answers a DNS query datagram the way the suite's CoreDNS 1.12 setup does, where that needs no
 * outside network:
 * - names in `foo.bar.com.` (and below) get the `whoami` answer: authoritative, empty answer
 *   section, and in the additional section an A (or AAAA) record with the client's address and
 *   an SRV record `_udp.<name>` with the client's port, TTL 0;
 * - other names would be forwarded to 8.8.8.8 / 9.9.9.9; with no route there they end as CoreDNS
 *   ends a failed forward, SERVFAIL;
 * - malformed queries and non-queries as the DNS library of CoreDNS treats them (dropped,
 *   FORMERR, NOTIMP); EDNS0 is mirrored back, an unknown EDNS version gets BADVERS.
 */
export function answerDnsQuery(datagram: Buffer, client: DnsClient): DnsOutcome {
  const none: DnsOutcome = { response: undefined, logged: false, query: undefined };
  if (datagram.length < 12) return none;
  const id = datagram.readUInt16BE(0);
  const flags = datagram.readUInt16BE(2);
  if (flags & FLAG_QR) return none;
  const opcode = (flags >> 11) & 0xf;
  const counts = [4, 6, 8, 10].map((o) => datagram.readUInt16BE(o));
  const keep = flags & (FLAG_RD | FLAG_CD);
  if (opcode !== OPCODE_QUERY && opcode !== OPCODE_NOTIFY) {
    return { ...none, response: header(id, FLAG_QR | (opcode << 11) | keep | RCODE.NOTIMP) };
  }
  if (counts[0] !== 1 || counts[1]! > 1 || counts[2]! > 1 || counts[3]! > 2) {
    return { ...none, response: header(id, FLAG_QR | keep | RCODE.FORMERR) };
  }
  let query: Packet;
  try {
    query = dnsPacket.decode(datagram);
  } catch {
    return { ...none, response: header(id, FLAG_QR | RCODE.FORMERR) };
  }
  const question = query.questions?.[0];
  if (!question) return { ...none, response: header(id, FLAG_QR | RCODE.FORMERR) };
  const qname = question.name === '.' || question.name === '' ? '.' : question.name.toLowerCase();
  const reqOpt = query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  const replyFlags = FLAG_QR | (opcode << 11) | keep;

  if (reqOpt && reqOpt.ednsVersion !== 0) {
    const opt: OptAnswer = {
      type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: RCODE.BADVERS >> 4, ednsVersion: 0, flags: 0, flag_do: false, options: [],
    };
    return { response: encode(id, replyFlags | (RCODE.BADVERS & 0xf), [question], [], [opt]), logged: inZone(qname) === false, query };
  }
  const echoedOpt: OptAnswer[] = reqOpt
    ? [{
        type: 'OPT',
        name: '.',
        udpPayloadSize: reqOpt.udpPayloadSize,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: reqOpt.flags & 0xff00,
        flag_do: reqOpt.flag_do,
        options: reqOpt.options.filter((o) => SUPPORTED_EDNS_OPTIONS.has(o.code)),
      }]
    : [];

  if (!inZone(qname)) {
    return { response: encode(id, replyFlags | RCODE.SERVFAIL, [question], [], echoedOpt), logged: true, query };
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(client.address);
  const ip = mapped ? mapped[1]! : client.address;
  const klass = question.class ?? 'IN';
  const addressRecord: Answer = ip.includes(':')
    ? { type: 'AAAA', name: qname, class: klass, ttl: 0, data: ip }
    : { type: 'A', name: qname, class: klass, ttl: 0, data: ip };
  const srv: Answer = {
    type: 'SRV',
    name: qname === '.' ? '_udp.' : `_udp.${qname}`,
    class: klass,
    ttl: 0,
    data: { priority: 0, weight: 0, port: client.port, target: '.' },
  };
  return { response: encode(id, replyFlags | FLAG_AA, [question], [addressRecord, srv], echoedOpt), logged: false, query };
}

function inZone(qname: string): boolean {
  const n = qname.replace(/\.$/, '');
  return n === WHOAMI_ZONE || n.endsWith('.' + WHOAMI_ZONE);
}

function encode(id: number, flags: number, questions: Question[], additionals: Answer[], opt: OptAnswer[]): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: flags & 0x7fff,
    questions,
    answers: [],
    authorities: [],
    additionals: [...additionals, ...opt],
  });
}

/** Names of the header flags set, as CoreDNS's `{>rflags}` lists them. */
export function flagNames(flags: number): string {
  const names: Array<[number, string]> = [
    [FLAG_QR, 'qr'], [FLAG_AA, 'aa'], [FLAG_TC, 'tc'], [FLAG_RD, 'rd'], [FLAG_RA, 'ra'], [FLAG_Z, 'z'], [FLAG_AD, 'ad'], [FLAG_CD, 'cd'],
  ];
  return names.filter(([bit]) => flags & bit).map(([, n]) => n).join(',');
}

/** Response code names as CoreDNS logs them. */
export function rcodeName(code: number): string {
  return ({ 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' } as Record<number, string>)[code] ?? `RCODE${code}`;
}
