import { describe, expect, it } from 'vitest';
import { deepFreeze } from './freeze.js';
import { canonicalJson, canonicalText, contentHash, listenerHash } from './hash.js';
import type { Listener, VirtualHost } from './schema.js';

describe('contentHash', () => {
  it('does not depend on key order, and changes with content', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
    expect(contentHash({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('canonicalText', () => {
  it('is the text of canonicalJson, whether or not the value is in canonical order already', () => {
    const inherited = Object.create({ z: 1 }) as Record<string, unknown>;
    inherited.a = 1;
    const values: unknown[] = [
      { a: 1, b: { c: [1, { d: 2, e: 'x' }], f: null } },
      { b: 1, a: 2 },
      { '10': 'ten', '9': 'nine', a: 1 },
      { '1': 'one', '2': 'two' },
      { a: undefined, b: () => 1, c: [undefined, () => 1], d: NaN },
      { when: new Date(0), buf: { toJSON: () => ({ y: 1, x: 2 }) } },
      inherited,
      [{ b: 1, a: 1 }, 'é', '\u2028', { '': 0, ' ': 1 }],
      'text',
      42,
      null,
      undefined,
    ];
    for (const v of values) expect(canonicalText(v)).toBe(canonicalJson(v) ?? 'null');
    // A value decoded from canonical text gives the same text back.
    const decoded = JSON.parse(canonicalJson({ z: { y: [3, { b: 1, a: 2 }] }, a: 'x' })) as unknown;
    expect(canonicalText(decoded)).toBe('{"a":"x","z":{"y":[3,{"a":2,"b":1}]}}');
  });
});

describe('listenerHash', () => {
  it('is contentHash of the listener with its virtual hosts replaced by their hashes, odd listeners included', () => {
    const vh = { hostname: 'a.test', matches: [], rules: [] } as unknown as VirtualHost;
    const listeners = [
      { name: 'l', protocol: 'HTTP', virtualHosts: [vh, { ...vh, hostname: 'b.test' }] },
      { name: 'empty', protocol: 'HTTP', virtualHosts: [] },
      { name: '"virtualHosts":[]', protocol: 'HTTP', virtualHosts: [vh] },
      { name: 'nested', protocol: 'HTTPS', tls: { virtualHosts: [] }, virtualHosts: [vh] },
      { zzz: 1, name: 'keys after', protocol: 'HTTP', virtualHosts: [vh] },
    ] as unknown as Listener[];
    for (const l of listeners) {
      const expected = contentHash({ ...l, virtualHosts: (l as { virtualHosts: VirtualHost[] }).virtualHosts.map((v) => contentHash(v)) });
      expect(listenerHash(l)).toBe(expected);
      expect(listenerHash(deepFreeze(structuredClone(l)))).toBe(expected);
    }
  });
});
