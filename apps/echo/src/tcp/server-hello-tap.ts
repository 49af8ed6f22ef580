import { Duplex } from 'node:stream';
import type net from 'node:net';

const RECORD_HANDSHAKE = 22;
const RECORD_APPLICATION_DATA = 23;
const HS_SERVER_HELLO = 2;
const HS_SERVER_KEY_EXCHANGE = 12;
const HS_SERVER_HELLO_DONE = 14;
const EXT_KEY_SHARE = 0x0033;
const CURVE_TYPE_NAMED = 3;

/**
 * A duplex over a TCP socket that reads the server's own handshake messages as they are sent,
 * to learn the key exchange group: Node reports it only on client sockets, while upstream's TCP
 * server reports it (`curves`). The group is in the last ServerHello's key_share (TLS 1.3) or in
 * the ServerKeyExchange (TLS 1.2); both travel in the clear.
 */
export class ServerHelloTap {
  /** The TLS named group the server chose (IANA number), once seen. */
  group: number | undefined;
  readonly duplex: Duplex;
  #records = Buffer.alloc(0);
  #handshake = Buffer.alloc(0);
  #done = false;

  constructor(raw: net.Socket) {
    this.duplex = new Duplex({
      read: () => {
        raw.resume();
      },
      write: (chunk: Buffer, _enc, callback) => {
        if (!this.#done) this.#inspect(chunk);
        raw.write(chunk, callback);
      },
      final: (callback) => {
        raw.end();
        callback();
      },
      destroy: (err, callback) => {
        raw.destroy();
        callback(err);
      },
    });
    raw.on('data', (d: Buffer) => {
      if (!this.duplex.push(d)) raw.pause();
    });
    raw.on('end', () => this.duplex.push(null));
    raw.on('error', (e) => this.duplex.destroy(e));
    raw.on('close', () => this.duplex.destroy());
  }

  #inspect(chunk: Buffer): void {
    this.#records = Buffer.concat([this.#records, chunk]);
    while (!this.#done && this.#records.length >= 5) {
      const type = this.#records[0]!;
      const length = this.#records.readUInt16BE(3);
      if (this.#records.length < 5 + length) return;
      const body = this.#records.subarray(5, 5 + length);
      this.#records = this.#records.subarray(5 + length);
      if (type === RECORD_APPLICATION_DATA) this.#done = true;
      else if (type === RECORD_HANDSHAKE) this.#readHandshake(body);
    }
  }

  #readHandshake(fragment: Buffer): void {
    this.#handshake = Buffer.concat([this.#handshake, fragment]);
    while (this.#handshake.length >= 4) {
      const type = this.#handshake[0]!;
      const length = this.#handshake.readUIntBE(1, 3);
      if (this.#handshake.length < 4 + length) return;
      const body = this.#handshake.subarray(4, 4 + length);
      this.#handshake = this.#handshake.subarray(4 + length);
      if (type === HS_SERVER_HELLO) this.group = keyShareGroup(body) ?? this.group;
      else if (type === HS_SERVER_KEY_EXCHANGE && body[0] === CURVE_TYPE_NAMED && body.length >= 3) this.group = body.readUInt16BE(1);
      else if (type === HS_SERVER_HELLO_DONE) this.#done = true;
    }
  }
}

/** The group of a ServerHello's key_share extension, if it has one. */
function keyShareGroup(hello: Buffer): number | undefined {
  let pos = 2 + 32; // legacy_version, random
  if (hello.length < pos + 1) return undefined;
  pos += 1 + hello[pos]!; // session id
  pos += 2 + 1; // cipher suite, compression method
  if (hello.length < pos + 2) return undefined;
  const end = Math.min(hello.length, pos + 2 + hello.readUInt16BE(pos));
  pos += 2;
  while (pos + 4 <= end) {
    const ext = hello.readUInt16BE(pos);
    const len = hello.readUInt16BE(pos + 2);
    if (ext === EXT_KEY_SHARE && len >= 2) return hello.readUInt16BE(pos + 4);
    pos += 4 + len;
  }
  return undefined;
}
