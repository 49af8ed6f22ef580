/**
 * A value for {@link marshal}: the subset of Go's `encoding/json` output the echo server needs.
 * Objects are `Map`s so that field order is exactly the insertion order (Go struct order) and any
 * key is allowed; use {@link sortedMap} for a Go map, whose keys Go sorts.
 */
export type GoJsonValue = string | boolean | number | null | readonly GoJsonValue[] | GoJsonObject;

/** An ordered JSON object. */
export type GoJsonObject = ReadonlyMap<string, GoJsonValue>;

/** A Go `map[string]T`: `encoding/json` writes its keys sorted by their bytes. */
export function sortedMap(entries: Iterable<readonly [string, GoJsonValue]>): GoJsonObject {
  return new Map([...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/** `json.Marshal`: compact output, HTML-safe escaping as Go does by default. */
export function marshal(value: GoJsonValue): Buffer {
  return Buffer.from(encode(value, null, ''), 'utf8');
}

/** `json.MarshalIndent(v, "", indent)`. */
export function marshalIndent(value: GoJsonValue, indent: string): Buffer {
  return Buffer.from(encode(value, indent, ''), 'utf8');
}

function encode(value: GoJsonValue, indent: string | null, depth: string): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`json: unsupported value: ${value}`);
    return String(value);
  }
  const inner = indent === null ? '' : depth + indent;
  const nl = indent === null ? '' : '\n';
  const colon = indent === null ? ':' : ': ';
  if (isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => nl + inner + encode(v, indent, inner));
    return '[' + items.join(',') + nl + depth + ']';
  }
  if (value.size === 0) return '{}';
  const fields = [...value].map(([k, v]) => nl + inner + quoteString(k) + colon + encode(v, indent, inner));
  return '{' + fields.join(',') + nl + depth + '}';
}

function isArray(v: GoJsonValue): v is readonly GoJsonValue[] {
  return Array.isArray(v);
}

const HEX = '0123456789abcdef';

/**
 * Quotes a string like Go's `encodeState.string` with HTML escaping: `<`, `>`, `&`, U+2028 and
 * U+2029 as `\uXXXX`, control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, and each
 * invalid UTF-8 byte (see go-string.ts) as `\ufffd`.
 */
export function quoteString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22: esc = '\\"'; break;
        case 0x5c: esc = '\\\\'; break;
        case 0x0a: esc = '\\n'; break;
        case 0x0d: esc = '\\r'; break;
        case 0x09: esc = '\\t'; break;
        case 0x08: esc = '\\b'; break;
        case 0x0c: esc = '\\f'; break;
        default: esc = '\\u00' + HEX[c >> 4] + HEX[c & 0xf];
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const isPairStart = c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (isPairStart) {
        i++;
        continue;
      }
      // A lone surrogate: an escaped invalid byte (see go-string.ts), or an unpaired surrogate
      // from elsewhere, which has no UTF-8 form either. Go writes U+FFFD for both.
      esc = '\\ufffd';
    }
    if (esc !== null) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}
