import { describe, expect, it } from 'vitest';
import { bytesToGoString } from './go-string.js';
import { marshal, marshalIndent, quoteString, sortedMap } from './json.js';

describe('Go encoding/json', () => {
  it('indents like MarshalIndent(v, "", " "), keeping struct field order and empty containers compact', () => {
    const v = new Map<string, unknown>([
      ['b', 'x'],
      ['a', ['1', '2']],
      ['e', []],
      ['m', sortedMap([])],
      ['t', true],
    ]);
    expect(marshalIndent(v as never, ' ').toString()).toBe('{\n "b": "x",\n "a": [\n  "1",\n  "2"\n ],\n "e": [],\n "m": {},\n "t": true\n}');
  });

  it('sorts map keys by their bytes (upper case before lower case, digits first)', () => {
    expect(marshal(sortedMap([['b', 1], ['B', 2], ['1', 3], ['a-b', 4]])).toString()).toBe('{"1":3,"B":2,"a-b":4,"b":1}');
  });

  it('escapes as Go with HTML escaping', () => {
    expect(quoteString('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
    expect(quoteString('\b\f\n\r\t\u0001\u001f\u007f')).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f\u007f"');
    expect(quoteString('\u2028\u2029é😀')).toBe('"\\u2028\\u2029é😀"');
  });

  it('writes each invalid UTF-8 byte as \\ufffd but a real U+FFFD as itself', () => {
    const s = bytesToGoString(Buffer.from([0x61, 0xff, 0xe2, 0x82, 0x62, 0xef, 0xbf, 0xbd]));
    expect(quoteString(s)).toBe('"a\\ufffd\\ufffd\\ufffdb\ufffd"');
  });
});
