/**
 * Reads the server name (SNI) from a TLS ClientHello without consuming anything: the caller
 * keeps the bytes and forwards them untouched (passthrough) or hands them to node:tls
 * (terminate, HTTPS). The ClientHello may span several TLS records and arrive in several TCP
 * segments: `parseClientHello` says `incomplete` until the whole handshake message is there.
 * RFC 8446 §4.1.2 (ClientHello), RFC 6066 §3 (server_name).
 */

/** Largest ClientHello handshake message accepted (real ones are a few KiB, even with post-quantum key shares). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

const RECORD_HEADER = 5;
const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;

export type ClientHelloResult =
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string }
  /** `serverName` is lower-case, or null when the client sent no SNI. */
  | { readonly status: 'ok'; readonly serverName: string | null };

const INCOMPLETE: ClientHelloResult = { status: 'incomplete' };

function invalid(reason: string): ClientHelloResult {
  return { status: 'invalid', reason };
}

/** Parses the first bytes a TLS client sent (every byte received so far). */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  // 1. Reassemble the handshake message from the records' fragments.
  let offset = 0;
  let hs: Buffer | null = null;
  let fragments: Buffer[] | null = null;
  let have = 0;
  let need = -1;
  while (need < 0 || have < need) {
    if (buf.length < offset + RECORD_HEADER) return INCOMPLETE;
    if (buf[offset] !== CONTENT_HANDSHAKE) return invalid(offset === 0 ? 'not a TLS handshake record' : 'ClientHello interrupted by another record type');
    if (buf[offset + 1] !== 0x03) return invalid('unsupported record version');
    const len = buf.readUInt16BE(offset + 3);
    if (len === 0 || len > 16384 + 2048) return invalid('bad record length');
    const start = offset + RECORD_HEADER;
    const end = start + len;
    const available = Math.min(end, buf.length);
    const fragment = buf.subarray(start, available);
    if (hs === null && fragments === null) {
      hs = fragment;
    } else {
      fragments ??= [hs!];
      fragments.push(fragment);
    }
    have += fragment.length;
    if (need < 0 && have >= 4) {
      const head = fragments !== null ? Buffer.concat(fragments) : hs!;
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return invalid('first handshake message is not a ClientHello');
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO_BYTES) return invalid('ClientHello too large');
    }
    if (available < end) {
      // The record is not all here yet; it may still hold the rest of the message.
      if (need >= 0 && have >= need) break;
      return INCOMPLETE;
    }
    offset = end;
  }
  const msg = (fragments !== null ? Buffer.concat(fragments) : hs!).subarray(0, need);
  return readServerName(msg);
}

/** `msg` is the whole handshake message: type(1) length(3) body. */
function readServerName(msg: Buffer): ClientHelloResult {
  let p = 4;
  const end = msg.length;
  // legacy_version(2) random(32)
  p += 2 + 32;
  if (p + 1 > end) return invalid('truncated ClientHello');
  p += 1 + msg[p]!; // legacy_session_id
  if (p + 2 > end) return invalid('truncated ClientHello');
  p += 2 + msg.readUInt16BE(p); // cipher_suites
  if (p + 1 > end) return invalid('truncated ClientHello');
  p += 1 + msg[p]!; // legacy_compression_methods
  if (p === end) return { status: 'ok', serverName: null }; // no extensions at all
  if (p + 2 > end) return invalid('truncated ClientHello');
  const extEnd = p + 2 + msg.readUInt16BE(p);
  p += 2;
  if (extEnd > end) return invalid('extensions overrun the ClientHello');
  while (p + 4 <= extEnd) {
    const type = msg.readUInt16BE(p);
    const len = msg.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return invalid('extension overruns the ClientHello');
    if (type === EXT_SERVER_NAME) return readServerNameList(msg, p, p + len);
    p += len;
  }
  return { status: 'ok', serverName: null };
}

function readServerNameList(msg: Buffer, p: number, end: number): ClientHelloResult {
  if (p + 2 > end) return invalid('truncated server_name extension');
  const listEnd = p + 2 + msg.readUInt16BE(p);
  p += 2;
  if (listEnd > end) return invalid('server_name list overruns its extension');
  while (p + 3 <= listEnd) {
    const nameType = msg[p]!;
    const len = msg.readUInt16BE(p + 1);
    p += 3;
    if (p + len > listEnd) return invalid('server name overruns its list');
    if (nameType === NAME_TYPE_HOST) {
      if (len === 0) return invalid('empty server name');
      const name = msg.toString('latin1', p, p + len);
      if (!isHostName(name)) return invalid('server name is not a DNS host name');
      return { status: 'ok', serverName: name.toLowerCase() };
    }
    p += len;
  }
  return { status: 'ok', serverName: null };
}

/** Letters, digits, '-', '_', '.' (RFC 6066: a DNS host name, no trailing dot). */
function isHostName(name: string): boolean {
  if (name.length > 253 || name.charCodeAt(name.length - 1) === 46) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95;
    if (!ok) return false;
  }
  return true;
}
