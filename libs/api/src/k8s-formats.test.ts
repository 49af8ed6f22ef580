import { describe, expect, it } from 'vitest';
import { isBase64, K8S_FORMATS } from './k8s-formats.js';

const check = (name: string, v: string) => {
  const f = K8S_FORMATS[name];
  return typeof f === 'function' ? (f as (s: string) => boolean)(v) : f === true;
};

describe('Kubernetes string formats', () => {
  it.each([
    ['ipv4', '10.0.0.1', true],
    ['ipv4', '010.0.0.1', true],
    ['ipv4', '::ffff:1.2.3.4', true], // it holds a '.', which is all the check asks beyond parsing
    ['ipv6', '::ffff:1.2.3.4', true],
    ['ipv6', '10.0.0.1', false],
    ['cidr', '10.0.0.0/8', true],
    ['byte', 'aGVsbG8=', true],
    ['byte', 'aGVsbG8', false],
    ['date-time', '2024-01-02T03:04:05Z', true],
    ['date-time', '2024-01-02 03:04:05.123+01:00', true],
    ['date-time', 'yesterday', false],
    ['int32', 'anything', true],
  ])('%s %s → %s', (name, v, ok) => expect(check(name, v)).toBe(ok));

  it('base64 ignores line breaks, as Go does', () => expect(isBase64('aGVs\nbG8=')).toBe(true));
});
