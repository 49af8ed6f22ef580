import { describe, expect, it } from 'vitest';
import { eastWestServerName, parseEastWestServerName } from './east-west-name.js';

describe('east-west server names', () => {
  it('round-trips IPv4 and IPv6 endpoints', () => {
    for (const [address, port, name] of [
      ['10.1.2.3', 8080, '10-1-2-3.8080.ew.portway.internal'],
      ['127.0.82.1', 1, '127-0-82-1.1.ew.portway.internal'],
      ['fd00::7', 443, 'fd00--7.443.ew.portway.internal'],
      ['::1', 65535, '--1.65535.ew.portway.internal'],
    ] as const) {
      expect(eastWestServerName(address, port)).toBe(name);
      expect(parseEastWestServerName(name)).toEqual({ address, port });
    }
    expect(parseEastWestServerName('10-1-2-3.8080.EW.Portway.Internal')).toEqual({ address: '10.1.2.3', port: 8080 });
  });

  it('rejects what names no endpoint', () => {
    for (const bad of <(string | false | undefined)[]>[
      undefined,
      false,
      '',
      'example.com',
      'ew.portway.internal',
      '10-1-2-3.ew.portway.internal',
      '10-1-2-3.0.ew.portway.internal',
      '10-1-2-3.65536.ew.portway.internal',
      '10-1-2-3.080.ew.portway.internal',
      '10-1-2-3.80.x.ew.portway.internal',
      '10-1-2.80.ew.portway.internal',
      'my-host.80.ew.portway.internal',
      '10-1-2-3.80.ew.portway.internal.evil',
    ]) {
      expect(parseEastWestServerName(bad), String(bad)).toBeNull();
    }
  });

  it('refuses to name a non-IP endpoint or a bad port', () => {
    expect(() => eastWestServerName('db.example', 80)).toThrow('not an IP address');
    expect(() => eastWestServerName('10.0.0.1', 0)).toThrow('out of range');
  });
});
