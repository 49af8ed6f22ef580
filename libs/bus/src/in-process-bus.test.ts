import { describe, expect, it } from 'vitest';
import { IR_API_VERSION, type GatewayConfig } from '@portway/ir';
import { InProcessBus } from './in-process-bus.js';
import type { ConfigEntry } from './types.js';

const config = (generation: number): GatewayConfig => ({
  apiVersion: IR_API_VERSION,
  gateway: { namespace: 'default', name: 'gw', generation },
  cluster: '',
  addresses: ['127.0.0.1'],
  ports: [],
  backends: {},
});
const key = { cluster: '', namespace: 'default', name: 'gw' };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('InProcessBus', () => {
  it('stores a config once per content hash and counts revisions', async () => {
    const bus = new InProcessBus();
    const a = await bus.putConfig(key, config(1));
    const b = await bus.putConfig(key, config(1));
    const c = await bus.putConfig(key, config(2));
    expect([a.changed, b.changed, c.changed]).toEqual([true, false, true]);
    expect([a.revision, b.revision, c.revision]).toEqual([1, 1, 2]);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect((await bus.listConfigs('')).map((e) => e.revision)).toEqual([2]);
  });

  it('gives watchers the current entries, then changes and deletions, for their cluster only', async () => {
    const bus = new InProcessBus();
    await bus.putConfig(key, config(1));
    await bus.putConfig({ ...key, cluster: 'other' }, config(1));
    const seen: (ConfigEntry | null)[] = [];
    bus.watchConfigs('', ({ entry }) => seen.push(entry));
    await settle();
    expect(seen.map((e) => e?.revision)).toEqual([1]);
    await bus.putConfig(key, config(1)); // unchanged: no notification
    await bus.putConfig(key, config(3));
    await bus.deleteConfig(key);
    await bus.putConfig(key, config(4)); // a re-created key continues the revision counter
    await settle();
    expect(seen.map((e) => e?.revision ?? null)).toEqual([1, 2, null, 3]);
  });

  it('delivers acks and heartbeats asynchronously and isolates failing handlers', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus((e) => errors.push(e));
    const acks: number[] = [];
    bus.onAck(() => {
      throw new Error('boom');
    });
    bus.onAck((a) => acks.push(a.revision));
    const published = bus.publishAck({ agent: 'a', cluster: '', gateway: { namespace: 'default', name: 'gw' }, revision: 7, hash: 'h', ok: true, listenersBound: [], errors: [] });
    expect(acks).toEqual([]); // not delivered inside the publisher's stack
    await published;
    await settle();
    expect(errors).toHaveLength(1);
    expect(acks).toEqual([7]);
    await bus.close();
    await expect(bus.putConfig(key, config(1))).rejects.toThrow('bus is closed');
  });
});

describe('InProcessBus endpoints', () => {
  it('gives watchers current reports, then changes and removals', async () => {
    const bus = new InProcessBus();
    const key = { cluster: 'east', namespace: 'default', service: 'echo' };
    const report = (ready: boolean) => ({
      ...key,
      at: 1,
      exportedAt: '2026-01-01T00:00:00Z',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [{ address: '127.1.0.1', ready, healthy: ready }],
    });
    await bus.putEndpoints(key, report(true));
    const seen: (boolean | null)[] = [];
    bus.watchEndpoints(({ report: r }) => seen.push(r ? r.endpoints[0]!.ready : null));
    await settle();
    await bus.putEndpoints(key, report(false));
    await bus.putEndpoints(key, null);
    await bus.putEndpoints(key, null); // already gone: nothing to report
    await settle();
    expect(seen).toEqual([true, false, null]);
  });
});
