import type { Duplex } from 'node:stream';

/** Go's `bufio.Scanner` default maximum token size. */
const MAX_LINE = 64 * 1024;

/** The banner sent on every new connection. */
export const WELCOME_MESSAGE = 'Gateway API Test TCP Server\n';

/**
 * Upstream's TCP echo loop on one connection: the banner, then per line (`\n`, an optional `\r`
 * before it dropped) `PING` -> `PONG`, `IS_TLS` -> `true`/`false`, `TEST` -> the JSON line;
 * other lines are ignored. The connection closes at end of input, or when a line exceeds the
 * scanner's 64 KiB limit.
 */
export function runLineSession(socket: Duplex, isTls: boolean, testLine: Buffer): void {
  let buffer: Buffer = Buffer.alloc(0);
  const answer = (line: string): void => {
    switch (line) {
      case 'TEST':
        socket.write(testLine);
        break;
      case 'IS_TLS':
        socket.write(isTls ? 'true\n' : 'false\n');
        break;
      case 'PING':
        socket.write('PONG\n');
        break;
    }
  };
  const lineOf = (raw: Buffer): string => {
    const end = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.length - 1 : raw.length;
    return raw.subarray(0, end).toString('latin1');
  };
  socket.write(WELCOME_MESSAGE);
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let nl: number;
    while ((nl = buffer.indexOf(0x0a)) >= 0) {
      answer(lineOf(buffer.subarray(0, nl)));
      buffer = buffer.subarray(nl + 1);
    }
    if (buffer.length > MAX_LINE) socket.destroy();
  });
  socket.on('end', () => {
    if (buffer.length > 0) answer(lineOf(buffer));
    socket.end();
  });
  socket.on('error', () => socket.destroy());
}
