import { describe, expect, it } from 'vitest';
import { cidrContains, formatIP, parseCIDR, parseIP } from './ip.js';

describe('parseIP', () => {
  it.each([
    ['10.0.0.1', true],
    ['255.255.255.255', true],
    ['256.0.0.1', false],
    ['1.2.3', false],
    ['010.0.0.1', false],
    ['::1', true],
    ['fd00::1:2', true],
    ['::ffff:1.2.3.4', true],
    ['1::2::3', false],
    ['12345::', false],
    ['fe80::1%eth0', false],
    ['', false],
  ])('strict %s → %s', (s, ok) => expect(!!parseIP(s)).toBe(ok));

  it('sloppy parsing (the ipv4 schema format) reads leading zeros as decimal', () => {
    expect(parseIP('010.0.0.1', { sloppy: true })?.bytes).toEqual([10, 0, 0, 1]);
  });

  it('zones only when allowed', () => {
    expect(parseIP('fe80::1%eth0', { allowZone: true })?.zone).toBe('eth0');
  });

  it.each([
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
  ])('canonical form of %s is %s', (s, want) => expect(formatIP(parseIP(s)!)).toBe(want));
});

describe('parseCIDR', () => {
  it('parses and contains', () => {
    const c = parseCIDR('10.0.0.0/8')!;
    expect(c.prefix).toBe(8);
    expect(cidrContains(c, parseIP('10.9.9.9')!)).toBe(true);
    expect(cidrContains(c, parseIP('11.0.0.1')!)).toBe(false);
    expect(cidrContains(parseCIDR('fd00::/8')!, parseIP('fd12::1')!)).toBe(true);
  });
  it.each(['10.0.0.0/33', '10.0.0.0/08', '10.0.0.0', 'x/8'])('rejects %s', (s) => expect(parseCIDR(s)).toBeNull());
});
