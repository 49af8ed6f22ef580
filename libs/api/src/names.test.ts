import { describe, expect, it } from 'vitest';
import { configMapKey, dns1035Label, dns1123Label, dns1123Subdomain, ianaSvcName, labelValue, qualifiedName } from './names.js';

describe('Kubernetes name checks', () => {
  it.each([
    [dns1123Label, 'my-name', true],
    [dns1123Label, 'My-name', false],
    [dns1123Label, 'a'.repeat(64), false],
    [dns1123Subdomain, 'example.com', true],
    [dns1123Subdomain, 'example..com', false],
    [dns1035Label, '1abc', false],
    [dns1035Label, 'abc-1', true],
    [qualifiedName, 'example.com/MyName', true],
    [qualifiedName, 'MyName', true],
    [qualifiedName, '/x', false],
    [qualifiedName, 'a/b/c', false],
    [labelValue, '', true],
    [labelValue, 'x_y.z', true],
    [labelValue, '-x', false],
    [configMapKey, 'tls.crt', true],
    [configMapKey, '..x', false],
    [configMapKey, 'a/b', false],
    [ianaSvcName, 'http', true],
    [ianaSvcName, 'http--x', false],
    [ianaSvcName, '8080', false],
    [ianaSvcName, 'a-very-long-port-name', false],
  ] as const)('%o(%s) valid: %s', (check, value, valid) => expect(check(value).length === 0).toBe(valid));

  it('words problems as the API server does', () => {
    expect(dns1123Label('A')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(qualifiedName('-x/y')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
  });
});
