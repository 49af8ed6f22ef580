import type { Duplex } from 'node:stream';

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Largest control frame payload (RFC 6455 section 5.5). */
const MAX_CONTROL_PAYLOAD = 125;
/** Upstream copies through a 32 KiB buffer: no echoed frame is larger. */
const MAX_ECHO_CHUNK = 32 * 1024;

/** An unmasked server frame. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  let header: Buffer;
  if (payload.length <= 125) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length <= 0xffff) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

interface FrameState {
  opcode: number;
  remaining: bigint;
  mask: Buffer | undefined;
  /** Bytes of payload consumed so far (mask offset). */
  offset: number;
  /** Control frame payload being collected. */
  control: Buffer[];
  controlSize: number;
}

/**
 * The WebSocket echo of upstream's `/ws` handler (`io.Copy(ws, ws)`): the payload of every data
 * frame is sent back, as it arrives, in text frames of at most 32 KiB (the library writes text
 * frames whatever the type received); a ping gets a pong; a close frame ends the copy and the
 * TCP connection is closed (no close frame is sent back).
 */
export function runWebSocketEcho(socket: Duplex, head: Buffer): void {
  let buffer = head;
  let frame: FrameState | undefined;

  const closeConnection = (): void => {
    socket.removeListener('data', onData);
    socket.destroy();
  };

  const process = (): void => {
    for (;;) {
      if (!frame) {
        const parsed = parseHeader(buffer);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.headerLength);
        frame = { opcode: parsed.opcode, remaining: parsed.length, mask: parsed.mask, offset: 0, control: [], controlSize: 0 };
        if (frame.opcode === OP_CLOSE) {
          closeConnection();
          return;
        }
      }
      const take = Number(frame.remaining < BigInt(buffer.length) ? frame.remaining : BigInt(buffer.length));
      if (take > 0) {
        const data = unmask(buffer.subarray(0, take), frame.mask, frame.offset);
        buffer = buffer.subarray(take);
        frame.offset += take;
        frame.remaining -= BigInt(take);
        if (frame.opcode === OP_PING || frame.opcode === OP_PONG) {
          const room = MAX_CONTROL_PAYLOAD - frame.controlSize;
          if (room > 0) {
            frame.control.push(data.subarray(0, room));
            frame.controlSize += Math.min(room, data.length);
          }
        } else {
          for (let i = 0; i < data.length; i += MAX_ECHO_CHUNK) {
            socket.write(encodeFrame(OP_TEXT, data.subarray(i, i + MAX_ECHO_CHUNK)));
          }
        }
      }
      if (frame.remaining > 0n) return;
      if (frame.opcode === OP_PING) socket.write(encodeFrame(OP_PONG, Buffer.concat(frame.control)));
      frame = undefined;
    }
  };

  const onData = (chunk: Buffer): void => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    process();
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.destroy());
  process();
}

function parseHeader(buf: Buffer): { opcode: number; length: bigint; mask: Buffer | undefined; headerLength: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  const len7 = buf[1]! & 0x7f;
  let pos = 2;
  let length: bigint;
  if (len7 === 126) {
    if (buf.length < 4) return undefined;
    length = BigInt(buf.readUInt16BE(2));
    pos = 4;
  } else if (len7 === 127) {
    if (buf.length < 10) return undefined;
    length = buf.readBigUInt64BE(2);
    pos = 10;
  } else {
    length = BigInt(len7);
  }
  let mask: Buffer | undefined;
  if (masked) {
    if (buf.length < pos + 4) return undefined;
    mask = Buffer.from(buf.subarray(pos, pos + 4));
    pos += 4;
  }
  return { opcode, length, mask, headerLength: pos };
}

function unmask(data: Buffer, mask: Buffer | undefined, offset: number): Buffer {
  if (!mask) return Buffer.from(data);
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[(offset + i) & 3]!;
  return out;
}
