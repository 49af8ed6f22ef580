import { describe, expect, it } from 'vitest';
import { bytesToGoString, goStringForDisplay, goStringToBytes, latin1ToGoString } from './go-string.js';

describe('Go strings (bytes) in JavaScript', () => {
  it('round-trips any bytes', () => {
    const samples = [
      [0x61, 0x62],
      [0xc3, 0xa9],
      [0xff, 0xfe, 0x00, 0x80],
      [0xed, 0xa0, 0x80], // an encoded surrogate: invalid in Go
      [0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f],
    ];
    for (const bytes of samples) expect([...goStringToBytes(bytesToGoString(Buffer.from(bytes)))]).toEqual(bytes);
  });

  it('decodes valid UTF-8 and marks each invalid byte', () => {
    expect(bytesToGoString(Buffer.from('héllo'))).toBe('héllo');
    expect(goStringForDisplay(bytesToGoString(Buffer.from([0x61, 0xe2, 0x82, 0x62])))).toBe('a\ufffd\ufffdb');
  });

  it('reads latin1 strings from Node as bytes', () => {
    expect(latin1ToGoString('caf\u00c3\u00a9')).toBe('café');
  });
});
