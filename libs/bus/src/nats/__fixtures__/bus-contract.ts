/**
 * The contract every `Bus` implementation keeps, as a vitest suite: `describeBusContract(name,
 * factory)` registers it for one implementation (in-process and NATS run the very same cases).
 * Revisions are only required to increase per key: their values are the implementation's own.
 */
import { describe, expect, it } from 'vitest';
import { IR_API_VERSION, type GatewayConfig } from '@portway/ir';
import type { Ack, Bus, ConfigEntry, EndpointReport } from '../../types.js';

export interface BusFactory {
  /** A fresh bus on a fresh store. `onError` gets handler exceptions. */
  create(onError: (e: unknown) => void): Promise<Bus>;
  /** How long "nothing more arrives" is waited for. */
  quietMs: number;
  /**
   * A watcher may skip a revision superseded before it was delivered (the NATS bus: a newer
   * manifest or a deletion interrupts the fetch of an older one's shards). Then the cases check
   * that what was delivered is in order and ends with the latest state, not that nothing was skipped.
   */
  coalesces?: boolean;
}

export const contractConfig = (generation: number, cluster = 'east'): GatewayConfig => ({
  apiVersion: IR_API_VERSION,
  gateway: { namespace: 'default', name: 'gw', generation },
  cluster,
  addresses: ['127.0.0.1'],
  ports: [],
  backends: {},
});

/** Polls `check` until it passes (bounded). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeBusContract(name: string, factory: BusFactory): void {
  describe(`Bus contract: ${name}`, () => {
    const withBus = async (fn: (bus: Bus, errors: unknown[]) => Promise<void>) => {
      const errors: unknown[] = [];
      const bus = await factory.create((e) => errors.push(e));
      try {
        await fn(bus, errors);
      } finally {
        await bus.close();
      }
    };

    it('stores a config once per content hash; revisions increase per change', () =>
      withBus(async (bus) => {
        const key = { cluster: 'east', namespace: 'default', name: 'gw' };
        const a = await bus.putConfig(key, contractConfig(1));
        const b = await bus.putConfig(key, contractConfig(1));
        const c = await bus.putConfig(key, contractConfig(2));
        expect([a.changed, b.changed, c.changed]).toEqual([true, false, true]);
        expect(b.revision).toBe(a.revision);
        expect(c.revision).toBeGreaterThan(a.revision);
        expect(b.hash).toBe(a.hash);
        expect(c.hash).not.toBe(a.hash);
        expect(c.config).toEqual(contractConfig(2));
        const listed = await bus.listConfigs('east');
        expect(listed.map((e) => [e.key, e.revision, e.hash])).toEqual([[key, c.revision, c.hash]]);
        expect(listed[0]!.config).toEqual(contractConfig(2));
        expect(await bus.listConfigs('nowhere')).toEqual([]);
      }));

    it('gives watchers the current entries, then changes and deletions, for their cluster only', () =>
      withBus(async (bus) => {
        const key = { cluster: 'east', namespace: 'default', name: 'gw' };
        const first = await bus.putConfig(key, contractConfig(1));
        await bus.putConfig({ ...key, cluster: 'west' }, contractConfig(1, 'west'));
        const seen: (ConfigEntry | null)[] = [];
        bus.watchConfigs('east', ({ key: k, entry }) => {
          expect(k).toEqual(key);
          seen.push(entry);
        });
        await eventually(() => expect(seen).toHaveLength(1));
        expect(seen[0]).toMatchObject({ revision: first.revision, hash: first.hash, config: contractConfig(1) });
        await bus.putConfig(key, contractConfig(1)); // unchanged: no notification
        const third = await bus.putConfig(key, contractConfig(3));
        await bus.deleteConfig(key);
        await bus.deleteConfig(key); // already gone: nothing
        const fourth = await bus.putConfig(key, contractConfig(4)); // a re-created key continues the counter
        await bus.putConfig({ ...key, cluster: 'west' }, contractConfig(9, 'west')); // another cluster
        const all = [first.revision, third.revision, null, fourth.revision];
        await eventually(() => expect(seen.at(-1)?.revision).toBe(fourth.revision));
        await sleep(factory.quietMs);
        const revisions = seen.map((e) => e?.revision ?? null);
        if (factory.coalesces) {
          // In order, nothing invented, the deletion reported, the first and last states delivered.
          expect(revisions.filter((r) => all.includes(r))).toEqual(revisions);
          expect(revisions).toEqual(all.filter((r) => revisions.includes(r)));
          expect(revisions).toEqual(expect.arrayContaining([first.revision, null, fourth.revision]));
        } else {
          expect(revisions).toEqual(all);
        }
        expect(fourth.revision).toBeGreaterThan(third.revision);
        expect(seen.at(-1)!.config.gateway.generation).toBe(4);
      }));

    it('calls onSynced once the entries present at the start were handed over (also with none)', () =>
      withBus(async (bus) => {
        const key = { cluster: 'east', namespace: 'default', name: 'gw' };
        const entry = await bus.putConfig(key, contractConfig(1));
        const seenAtSync: number[][] = [];
        const seen: number[] = [];
        bus.watchConfigs('east', ({ entry: e }) => seen.push(e?.revision ?? -1), { onSynced: () => seenAtSync.push([...seen]) });
        let emptySynced = 0;
        bus.watchConfigs('empty', () => undefined, { onSynced: () => emptySynced++ });
        await eventually(() => expect(seenAtSync).toEqual([[entry.revision]]));
        await eventually(() => expect(emptySynced).toBe(1));
        await bus.putConfig(key, contractConfig(2));
        await eventually(() => expect(seen).toHaveLength(2));
        await sleep(factory.quietMs);
        expect(seenAtSync).toHaveLength(1);
        expect(emptySynced).toBe(1);
      }));

    it('stops notifying after unsubscribe', () =>
      withBus(async (bus) => {
        const key = { cluster: 'east', namespace: 'default', name: 'gw' };
        const seen: number[] = [];
        const stop = bus.watchConfigs('east', ({ entry }) => seen.push(entry?.revision ?? -1));
        const a = await bus.putConfig(key, contractConfig(1));
        await eventually(() => expect(seen).toEqual([a.revision]));
        stop();
        await bus.putConfig(key, contractConfig(2));
        await sleep(factory.quietMs);
        expect(seen).toEqual([a.revision]);
      }));

    it('delivers acks and heartbeats asynchronously and isolates failing handlers', () =>
      withBus(async (bus, errors) => {
        const acks: Ack[] = [];
        const beats: string[] = [];
        bus.onAck(() => {
          throw new Error('boom');
        });
        bus.onAck((a) => acks.push(a));
        bus.onHeartbeat((h) => beats.push(`${h.cluster}/${h.agent}`));
        const ack: Ack = { agent: 'a1', cluster: 'east', gateway: { namespace: 'default', name: 'gw' }, revision: 7, hash: 'h', ok: false, listenersBound: [], errors: [{ listener: 'l', reason: 'Invalid', message: 'bad' }] };
        const published = bus.publishAck(ack);
        expect(acks).toEqual([]); // not delivered inside the publisher's stack
        await published;
        await bus.publishHeartbeat({ agent: 'a1', cluster: 'east', at: 1, serving: { 'default/gw': { revision: 7, hash: 'h' } }, ready: true });
        await eventually(() => expect(acks).toHaveLength(1));
        await eventually(() => expect(beats).toEqual(['east/a1']));
        expect(acks[0]).toEqual(ack);
        expect(errors.some((e) => e instanceof Error && e.message === 'boom')).toBe(true);
      }));

    it('refuses to work once closed', async () => {
      const bus = await factory.create(() => undefined);
      await bus.close();
      await expect(bus.putConfig({ cluster: 'east', namespace: 'default', name: 'gw' }, contractConfig(1))).rejects.toThrow('bus is closed');
    });

    it('gives endpoint watchers current reports, then changes and removals', () =>
      withBus(async (bus) => {
        const key = { cluster: 'east', namespace: 'default', service: 'echo' };
        const other = { cluster: 'west', namespace: 'default', service: 'echo' };
        const report = (k: typeof key, ready: boolean): EndpointReport => ({
          ...k,
          at: 1,
          exportedAt: '2026-01-01T00:00:00Z',
          ports: [{ port: 80, protocol: 'TCP' }],
          endpoints: [{ address: '127.1.0.1', ready, healthy: ready }],
        });
        await bus.putEndpoints(key, report(key, true));
        await bus.putEndpoints(other, report(other, true));
        await bus.putEndpoints(other, null); // removed before anyone watched: not reported
        const seen: string[] = [];
        bus.watchEndpoints(({ key: k, report: r }) => seen.push(`${k.cluster}:${r ? r.endpoints[0]!.ready : null}`));
        await eventually(() => expect(seen).toEqual(['east:true']));
        await bus.putEndpoints(key, report(key, false));
        await bus.putEndpoints(key, null);
        await bus.putEndpoints(key, null); // already gone: nothing to report
        await eventually(() => expect(seen).toHaveLength(3));
        await sleep(factory.quietMs);
        expect(seen).toEqual(['east:true', 'east:false', 'east:null']);
      }));
  });
}
