/**
 * Go strings are byte sequences; JavaScript strings are UTF-16. To keep what a Go program would
 * see (and print), request data is decoded the way Go's `unicode/utf8` walks bytes, and every byte
 * that is not part of a valid UTF-8 sequence becomes a lone surrogate U+DC80..U+DCFF
 * ("surrogate escape"). Valid UTF-8 never produces a lone surrogate, so the round trip back to the
 * original bytes is exact, and the JSON encoder can write such bytes as Go does (`\ufffd`).
 */

/** First code unit used for an escaped invalid byte (U+DC00 + byte). */
const ESCAPE_BASE = 0xdc00;

/** Decodes bytes as Go does: valid UTF-8 sequences become characters, each invalid byte an escape. */
export function bytesToGoString(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  let plainStart = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const size = validSequenceLength(bytes, i);
    if (size > 0) {
      i += size;
      continue;
    }
    out += Buffer.from(bytes.subarray(plainStart, i)).toString('utf8');
    out += String.fromCharCode(ESCAPE_BASE + b);
    i++;
    plainStart = i;
  }
  return out + Buffer.from(bytes.subarray(plainStart)).toString('utf8');
}

/** Node hands header values and request targets over as latin1 (one char per byte). */
export function latin1ToGoString(s: string): string {
  // Fast path: pure ASCII is the same in every encoding.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return bytesToGoString(Buffer.from(s, 'latin1'));
}

/** Encodes a (possibly surrogate-escaped) string back to the bytes Go would hold. */
export function goStringToBytes(s: string): Buffer {
  if (!/[\udc80-\udcff]/.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !isHighSurrogate(s.charCodeAt(i - 1))) {
      parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([c - ESCAPE_BASE]));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** Replaces escaped invalid bytes by U+FFFD, for text meant for people (log lines). */
export function goStringForDisplay(s: string): string {
  return s.replace(/[\udc80-\udcff]/g, (c, offset: number) =>
    isHighSurrogate(s.charCodeAt(offset - 1)) ? c : '\ufffd',
  );
}

/** True when the character at `index` of `s` is an escaped invalid byte. */
export function isEscapedByte(s: string, index: number): boolean {
  const c = s.charCodeAt(index);
  return c >= 0xdc80 && c <= 0xdcff && !isHighSurrogate(s.charCodeAt(index - 1));
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Length of the valid UTF-8 sequence starting at `i`, or 0 when it is invalid; the ranges are
 * those of Go's `utf8.DecodeRune` (no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
