import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The HTTP/2 connection preface a client sends first (RFC 9113 section 3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_HEADERS = 0x1;
const FRAME_SETTINGS = 0x4;
const FRAME_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
/** Default SETTINGS_MAX_FRAME_SIZE. */
const MAX_FRAME = 16_384;

/** Header values of one name over all lines, split on commas, trimmed, lower case. */
function tokens(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== name) continue;
    for (const t of req.rawHeaders[i + 1]!.split(',')) out.push(t.trim().toLowerCase());
  }
  return out;
}

/**
 * Whether the request asks for an upgrade to h2c as the h2c handler upstream recognises it:
 * `Upgrade` names `h2c` and `Connection` names `HTTP2-Settings` (RFC 7540 section 3.2).
 */
export function isH2cUpgrade(req: IncomingMessage): boolean {
  return tokens(req, 'upgrade').includes('h2c') && tokens(req, 'connection').includes('http2-settings');
}

/**
 * Checks the `HTTP2-Settings` header as upstream does before switching: exactly one, unpadded
 * base64url. Returns an error text, or `undefined` when it is acceptable.
 */
export function http2SettingsProblem(req: IncomingMessage): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'http2-settings') values.push(req.rawHeaders[i + 1]!);
  }
  if (values.length === 0) return 'missing HTTP2-Settings header';
  if (values.length !== 1) return 'expected 1 HTTP2-Settings';
  const v = values[0]!;
  if (!/^[A-Za-z0-9_-]*$/.test(v) || v.length % 4 === 1) return 'illegal base64 data in HTTP2-Settings';
  return undefined;
}

/** The 101 answer of an h2c upgrade, as upstream writes it. */
export const SWITCHING_TO_H2C = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
  'latin1',
);

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK integer with an N-bit prefix (RFC 7541 section 5.1). */
function hpackInt(value: number, prefixBits: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [value];
  const out = [max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** An HPACK "literal header field without indexing — new name", no Huffman coding. */
function hpackLiteral(name: string, value: string): Buffer {
  const n = Buffer.from(name, 'latin1');
  const v = Buffer.from(value, 'latin1');
  return Buffer.concat([Buffer.from([0x00, ...hpackInt(n.length, 7)]), n, Buffer.from(hpackInt(v.length, 7)), v]);
}

/**
 * The HEADERS (and CONTINUATION) frames standing for the upgrade request on stream 1, which
 * RFC 7540 section 3.2 says the HTTP/1.1 request becomes. Only the pseudo-headers are carried:
 * the handler answers from the original HTTP/1.1 request, as upstream's does.
 */
export function upgradeRequestFrames(method: string, host: string): Buffer {
  // The HTTP/2 layer wants an authority; the request's Host when it is a plain host[:port].
  const authority = /^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : 'localhost';
  const block = Buffer.concat([
    hpackLiteral(':method', method),
    hpackLiteral(':scheme', 'http'),
    hpackLiteral(':authority', authority),
    hpackLiteral(':path', '/'),
  ]);
  const frames: Buffer[] = [];
  for (let off = 0; off === 0 || off < block.length; off += MAX_FRAME) {
    const part = block.subarray(off, off + MAX_FRAME);
    const last = off + MAX_FRAME >= block.length;
    const flags = (off === 0 ? FLAG_END_STREAM : 0) | (last ? FLAG_END_HEADERS : 0);
    frames.push(frame(off === 0 ? FRAME_HEADERS : FRAME_CONTINUATION, flags, 1, part));
  }
  return Buffer.concat(frames);
}

/**
 * After the 101, waits for the client's connection preface and first SETTINGS frame, then puts
 * back onto the socket: preface, SETTINGS, the stream-1 request frames, and whatever followed.
 * `onReady` is called with the socket paused and holding those bytes, ready to be handed to an
 * HTTP/2 server; `onBad` when the client does not speak HTTP/2.
 */
export function spliceUpgradeRequest(
  socket: Socket,
  initial: Buffer,
  method: string,
  host: string,
  onReady: () => void,
  onBad: () => void,
): void {
  let buf = initial;
  const needed = (): number | undefined => {
    const n = Math.min(buf.length, H2_PREFACE.length);
    if (!buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return -1;
    if (buf.length < H2_PREFACE.length + 9) return undefined;
    const len = buf.readUIntBE(H2_PREFACE.length, 3);
    if (buf[H2_PREFACE.length + 3] !== FRAME_SETTINGS) return -1;
    const total = H2_PREFACE.length + 9 + len;
    return buf.length >= total ? total : undefined;
  };
  const attempt = (): boolean => {
    const total = needed();
    if (total === undefined) return false;
    socket.removeListener('data', onData);
    socket.removeListener('end', onBad);
    if (total < 0) {
      onBad();
      return true;
    }
    socket.pause();
    socket.unshift(Buffer.concat([buf.subarray(0, total), upgradeRequestFrames(method, host), buf.subarray(total)]));
    onReady();
    return true;
  };
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    attempt();
  };
  if (attempt()) return;
  socket.on('data', onData);
  socket.once('end', onBad);
}
