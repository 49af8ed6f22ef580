/**
 * String formats as the API server checks them (kube-openapi `strfmt`, the formats apiextensions
 * supports). Where they differ from JSON Schema's (and ajv-formats'):
 * - `ipv4` / `ipv6`: Go's sloppy IP parsing: IPv4 octets may have leading zeros (`010.0.0.1`), an
 *   `ipv4` value must contain a `.` and an `ipv6` value a `:` (so `::ffff:1.2.3.4` is an ipv6);
 * - `cidr`: Go's ParseCIDR;
 * - `byte`: standard base64 with padding (Secret and ConfigMap binary data);
 * - `date-time`: RFC 3339, with `T` or a space, fractional seconds and time zone optional;
 * - formats the API server does not check (`int32`, `int64`, `float`, `double`, `password`, and any
 *   name it does not know) accept every value.
 */
import type { Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parseCIDR, parseIP } from './ip.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** True when `s` is standard base64 (what Go's `encoding/base64.StdEncoding` decodes, ignoring CR/LF). */
export function isBase64(s: string): boolean {
  return BASE64.test(s.replace(/[\r\n]/g, ''));
}

/** The formats admission checks, by name, for ajv. */
export const K8S_FORMATS: Record<string, Format> = {
  ipv4: (s: string) => s.includes('.') && !!parseIP(s, { sloppy: true }),
  ipv6: (s: string) => s.includes(':') && !!parseIP(s, { sloppy: true }),
  cidr: (s: string) => !!parseCIDR(s),
  byte: isBase64,
  'date-time': (s: string) => DATE_TIME.test(s),
  datetime: (s: string) => DATE_TIME.test(s),
  uri: fullFormats.uri,
  email: fullFormats.email,
  uuid: fullFormats.uuid,
  date: fullFormats.date,
  hostname: fullFormats.hostname,
  int32: true,
  int64: true,
  float: true,
  double: true,
  password: true,
};
