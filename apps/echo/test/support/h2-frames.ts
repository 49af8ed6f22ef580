import net from 'node:net';

/** One HTTP/2 frame read off the wire. */
export interface H2Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Splits complete frames off the front of `buf`; returns them and the rest. */
export function readFrames(buf: Buffer): { frames: H2Frame[]; rest: Buffer } {
  const frames: H2Frame[] = [];
  let off = 0;
  while (buf.length - off >= 9) {
    const len = buf.readUIntBE(off, 3);
    if (buf.length - off < 9 + len) break;
    frames.push({
      type: buf[off + 3]!,
      flags: buf[off + 4]!,
      streamId: buf.readUInt32BE(off + 5) & 0x7fffffff,
      payload: buf.subarray(off + 9, off + 9 + len),
    });
    off += 9 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** An HTTP/2 frame. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

/**
 * Performs an h2c upgrade by hand (RFC 7540 section 3.2): sends the HTTP/1.1 request, expects
 * 101, sends the client preface and SETTINGS, and collects the frames of stream 1 until its
 * END_STREAM. Returns the raw 101 head and the frames.
 */
export function h2cUpgradeExchange(port: number, request: string, timeoutMs = 5000): Promise<{ head: string; frames: H2Frame[] }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf: Buffer = Buffer.alloc(0);
    let head: string | undefined;
    const frames: H2Frame[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`h2c upgrade: no complete answer within ${timeoutMs} ms (got ${frames.length} frames, head ${JSON.stringify(head)})`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (head === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end + 4).toString('latin1');
        buf = buf.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ head, frames });
          return;
        }
        socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(0x4, 0, 0)]));
      }
      const { frames: got, rest } = readFrames(buf);
      buf = rest;
      for (const f of got) {
        frames.push(f);
        if (f.type === 0x4 && !(f.flags & 0x1)) socket.write(frame(0x4, 0x1, 0)); // SETTINGS ACK
        if (f.streamId === 1 && f.flags & 0x1 && (f.type === 0x0 || f.type === 0x1)) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ head, frames });
        }
      }
    });
  });
}
