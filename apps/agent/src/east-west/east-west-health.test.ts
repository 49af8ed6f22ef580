/** Active health checking leaves endpoints behind an east-west gateway to their own cluster. */
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '@portway/ir';
import { HealthMonitor } from '../health/health-monitor.js';

describe('active checks and east-west endpoints', () => {
  it('probes direct endpoints, not those reached through a gateway', () => {
    const monitor = new HealthMonitor({ cluster: 'east', sink: () => undefined });
    const config = {
      backends: {
        store: {
          id: 'store',
          protocol: 'HTTP1',
          healthCheck: { active: { type: 'TCP', intervalMs: 60_000, timeoutMs: 100, healthyThreshold: 1, unhealthyThreshold: 1 } },
          endpoints: [
            { address: '127.0.86.1', port: 3000, ready: true },
            { address: '127.0.86.2', port: 3000, cluster: 'north', ready: true },
            { address: '127.0.86.3', port: 3000, cluster: 'west', via: { address: '127.0.86.9', port: 15443 }, ready: true },
          ],
        },
      },
    } as unknown as GatewayConfig;
    try {
      monitor.update([config]);
      expect(monitor.snapshot().map((h) => h.endpoint)).toEqual(['127.0.86.1:3000', '127.0.86.2:3000']);
    } finally {
      monitor.stop();
    }
  });
});
