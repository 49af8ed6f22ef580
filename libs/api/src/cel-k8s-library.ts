/**
 * The Kubernetes CEL library functions (k8s.io/apiserver/pkg/cel/library) that the embedded CRDs use,
 * plus their close relatives, for `@bufbuild/cel`:
 *
 * - IP and CIDR: `isIP(string)`, `ip(string)`, `ip.isCanonical(string)`, `isCIDR(string)`, `cidr(string)`
 *   and the methods `family()`, `isUnspecified()`, `isLoopback()`, `isLinkLocalMulticast()`,
 *   `isLinkLocalUnicast()`, `isGlobalUnicast()`, `containsIP()`, `containsCIDR()`, `prefixLength()`,
 *   `masked()`. An IP or CIDR value is represented by its canonical string, so `ip(a) == ip(b)` compares
 *   addresses; the methods are declared on strings.
 * - Formats: `format.dns1123Label()`, `format.dns1123Subdomain()`, `format.dns1035Label()`,
 *   `format.qualifiedName()`, `format.labelValue()`, `format.named(name)`, each a format value whose
 *   `validate(string)` returns `null` when the string is valid, else the list of problems.
 * - The strings extension of `@bufbuild/cel/ext` (`split`, `substring`, `lowerAscii`, `trim`, ...).
 *
 * `duration()`, `matches()` (RE2), `exists_one`, `filter` and the rest are part of the CEL standard
 * library that `@bufbuild/cel` provides.
 */
import { CelScalar, celFunc, celMethod, type CelFunc } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { cidrContains, formatIP, isV4Mapped, maskedCIDR, parseCIDR, parseIP, type ParsedIP } from './ip.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './names.js';

const { STRING, BOOL, INT, DYN } = CelScalar;

/** netip.ParseAddr as the Kubernetes IP library applies it: no zones, no IPv4-mapped IPv6. */
export function celIP(s: string): ParsedIP | Error {
  const ip = parseIP(s, { allowZone: true });
  if (!ip) return new Error(`IP Address "${s}" parse error during conversion from string`);
  if (ip.zone) return new Error('IP address with zone value is not allowed');
  if (isV4Mapped(ip)) return new Error('IPv4-mapped IPv6 address is not allowed');
  return ip;
}

function mustIP(s: string): ParsedIP {
  const ip = celIP(s);
  if (ip instanceof Error) throw ip;
  return ip;
}

function mustCIDR(s: string) {
  const c = parseCIDR(s);
  if (!c || isV4Mapped(c.ip)) throw new Error(`network address "${s}" parse error during conversion from string`);
  return c;
}

/** The named formats of the Kubernetes format library, as validators returning problems. */
export const FORMATS: Readonly<Record<string, (s: string) => string[]>> = {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  labelValue,
};

/** A format value is its name, tagged so that `validate` only applies to what `format.*()` returned. */
const FORMAT_TAG = 'k8s-format:';

const ipFuncs: CelFunc[] = [
  celFunc('isIP', [STRING], BOOL, (s) => !(celIP(s) instanceof Error)),
  celFunc('ip', [STRING], STRING, (s) => formatIP(mustIP(s))),
  celFunc('ip.isCanonical', [STRING], BOOL, (s) => formatIP(mustIP(s)) === s),
  celMethod('family', STRING, [], INT, function () {
    return mustIP(this).v6 ? 6n : 4n;
  }),
  celMethod('isUnspecified', STRING, [], BOOL, function () {
    return mustIP(this).bytes.every((b) => b === 0);
  }),
  celMethod('isLoopback', STRING, [], BOOL, function () {
    const ip = mustIP(this);
    return ip.v6 ? ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] === 1 : ip.bytes[0] === 127;
  }),
  celMethod('isLinkLocalMulticast', STRING, [], BOOL, function () {
    const ip = mustIP(this);
    return ip.v6 ? ip.bytes[0] === 0xff && (ip.bytes[1]! & 0x0f) === 0x02 : ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0;
  }),
  celMethod('isLinkLocalUnicast', STRING, [], BOOL, function () {
    const ip = mustIP(this);
    return ip.v6 ? ip.bytes[0] === 0xfe && (ip.bytes[1]! & 0xc0) === 0x80 : ip.bytes[0] === 169 && ip.bytes[1] === 254;
  }),
  celMethod('isGlobalUnicast', STRING, [], BOOL, function () {
    const ip = mustIP(this);
    const b = ip.bytes;
    if (ip.v6) {
      const zero = b.every((x) => x === 0);
      const loop = b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
      return !zero && !loop && b[0] !== 0xff && !(b[0] === 0xfe && (b[1]! & 0xc0) === 0x80);
    }
    const bcast = b.every((x) => x === 255);
    return !bcast && b[0] !== 0 && b[0] !== 127 && !(b[0]! >= 224 && b[0]! <= 239) && !(b[0] === 169 && b[1] === 254);
  }),
  celFunc('isCIDR', [STRING], BOOL, (s) => {
    const c = parseCIDR(s);
    return !!c && !isV4Mapped(c.ip);
  }),
  celFunc('cidr', [STRING], STRING, (s) => {
    const c = mustCIDR(s);
    return `${formatIP(c.ip)}/${c.prefix}`;
  }),
  celMethod('containsIP', STRING, [STRING], BOOL, function (ip) {
    return cidrContains(mustCIDR(this), mustIP(ip));
  }),
  celMethod('containsCIDR', STRING, [STRING], BOOL, function (other) {
    const a = mustCIDR(this);
    const b = mustCIDR(other);
    return b.prefix >= a.prefix && cidrContains(a, b.ip);
  }),
  celMethod('prefixLength', STRING, [], INT, function () {
    return BigInt(mustCIDR(this).prefix);
  }),
  celMethod('masked', STRING, [], STRING, function () {
    const m = maskedCIDR(mustCIDR(this));
    return `${formatIP(m.ip)}/${m.prefix}`;
  }),
];

const formatFuncs: CelFunc[] = [
  ...Object.keys(FORMATS).map((name) => celFunc(`format.${name}`, [], STRING, () => FORMAT_TAG + name)),
  celFunc('format.named', [STRING], DYN, (name) => (FORMATS[name] ? FORMAT_TAG + name : null)),
  celMethod('validate', STRING, [STRING], DYN, function (value) {
    if (!this.startsWith(FORMAT_TAG)) throw new Error('validate() applies to a format.*() value');
    const check = FORMATS[this.slice(FORMAT_TAG.length)];
    if (!check) throw new Error(`unknown format ${this}`);
    const errs = check(value);
    return errs.length ? errs : null;
  }),
];

/** Every function Portway's CEL environment adds to the standard library. */
export const K8S_CEL_FUNCS: readonly CelFunc[] = [...strings, ...ipFuncs, ...formatFuncs];
