/** Thrown by {@link parseDuration}; the message is Go's `time.ParseDuration` error text. */
export class GoDurationError extends Error {
  override readonly name = 'GoDurationError';
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // MICRO SIGN
  ['\u03bcs', 1_000n], // GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_U63 = 1n << 63n;

/**
 * Go's `time.ParseDuration` over the bytes of the value: returns nanoseconds, or throws a
 * {@link GoDurationError} with Go's message (`time: invalid duration "x"`,
 * `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`).
 */
export function parseDuration(input: Uint8Array): bigint {
  const orig = Buffer.from(input);
  let s = orig;
  const invalid = (): GoDurationError => new GoDurationError('time: invalid duration ' + quote(orig));
  let neg = false;
  if (s.length > 0 && (s[0] === 0x2d || s[0] === 0x2b)) {
    neg = s[0] === 0x2d;
    s = s.subarray(1);
  }
  if (s.length === 1 && s[0] === 0x30) return 0n;
  if (s.length === 0) throw invalid();
  let d = 0n;
  while (s.length > 0) {
    if (!(s[0] === 0x2e || isDigit(s[0]!))) throw invalid();
    // [0-9]*
    let i = 0;
    let v = 0n;
    for (; i < s.length && isDigit(s[i]!); i++) {
      if (v > MAX_U63 / 10n) throw invalid();
      v = v * 10n + BigInt(s[i]! - 0x30);
      if (v > MAX_U63) throw invalid();
    }
    const pre = i > 0;
    s = s.subarray(i);
    // (\.[0-9]*)?
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s.length > 0 && s[0] === 0x2e) {
      s = s.subarray(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length && isDigit(s[j]!); j++) {
        if (overflow) continue;
        if (f > (MAX_U63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s[j]! - 0x30);
        if (y > MAX_U63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.subarray(j);
    }
    if (!pre && !post) throw invalid();
    // unit
    let k = 0;
    for (; k < s.length; k++) {
      if (s[k] === 0x2e || isDigit(s[k]!)) break;
    }
    if (k === 0) throw new GoDurationError('time: missing unit in duration ' + quote(orig));
    const u = s.subarray(0, k);
    s = s.subarray(k);
    const unit = UNITS.get(u.toString('utf8'));
    if (unit === undefined || !Buffer.from(u.toString('utf8'), 'utf8').equals(u)) {
      throw new GoDurationError('time: unknown unit ' + quote(u) + ' in duration ' + quote(orig));
    }
    if (v > MAX_U63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fraction in float64: uint64(float64(f) * (float64(unit) / scale)).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U63) throw invalid();
    }
    d += v;
    if (d > MAX_U63) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_U63 - 1n) throw invalid();
  return d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const LOWER_HEX = '0123456789abcdef';

/** The `quote` helper of Go's time package: non-ASCII and control bytes as `\xNN`. */
function quote(bytes: Buffer): string {
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x80 || b < 0x20) {
      out += '\\x' + LOWER_HEX[b >> 4] + LOWER_HEX[b & 0xf];
    } else {
      if (b === 0x22 || b === 0x5c) out += '\\';
      out += String.fromCharCode(b);
    }
  }
  return out + '"';
}
