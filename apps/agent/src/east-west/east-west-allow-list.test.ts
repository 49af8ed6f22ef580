import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '@portway/ir';
import { EastWestAllowList, localEndpoints } from './east-west-allow-list.js';

describe('EastWestAllowList', () => {
  it('allows the union of its sources, and forgets a source', () => {
    const list = new EastWestAllowList();
    list.set('configs', [{ address: '10.0.0.1', port: 80 }]);
    list.set('exports', [{ address: 'FD00::1', port: 443 }, { address: '10.0.0.1', port: 80 }]);
    expect(list.has('10.0.0.1', 80)).toBe(true);
    expect(list.has('fd00::1', 443)).toBe(true);
    expect(list.has('10.0.0.1', 81)).toBe(false);
    expect(list.size).toBe(2);
    list.delete('exports');
    expect(list.has('fd00::1', 443)).toBe(false);
    list.set('configs', []);
    expect(list.has('10.0.0.1', 80)).toBe(false);
  });

  it('localEndpoints keeps this cluster\'s endpoints (and unlabelled ones), never another cluster\'s or one behind a gateway', () => {
    const config = {
      backends: {
        a: {
          id: 'a',
          protocol: 'HTTP1',
          endpoints: [
            { address: '10.0.0.1', port: 80, ready: true },
            { address: '10.0.0.2', port: 80, cluster: 'west', ready: true },
            { address: '10.9.0.1', port: 80, cluster: 'east', ready: true },
            { address: '10.9.0.2', port: 80, cluster: 'west', via: { address: '1.2.3.4', port: 15443 }, ready: true },
          ],
        },
      },
    } as unknown as GatewayConfig;
    expect(localEndpoints([config], 'west')).toEqual([
      { address: '10.0.0.1', port: 80 },
      { address: '10.0.0.2', port: 80 },
    ]);
  });
});
