import { describe, expect, it } from 'vitest';
import { expandAddressPool } from './addresses.js';

describe('expandAddressPool', () => {
  it('expands single addresses, ranges, short ranges and CIDR blocks', () => {
    expect(expandAddressPool('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(expandAddressPool('127.0.100.1-127.0.100.3')).toEqual(['127.0.100.1', '127.0.100.2', '127.0.100.3']);
    expect(expandAddressPool('127.0.100.8-9, 127.0.0.1')).toEqual(['127.0.100.8', '127.0.100.9', '127.0.0.1']);
    expect(expandAddressPool('10.0.0.0/30')).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('rejects malformed input with a clear message', () => {
    expect(() => expandAddressPool('127.0.0.300')).toThrow('invalid IPv4 address "127.0.0.300"');
    expect(() => expandAddressPool('127.0.0.9-127.0.0.1')).toThrow('invalid address range');
    expect(() => expandAddressPool('10.0.0.0/8')).toThrow('prefix must be 16..32');
  });
});
