import { describe, expect, it } from 'vitest';
import { configHash, deepFreeze, IR_API_VERSION, type GatewayConfig, type HttpRule, type VirtualHost } from '@portway/ir';
import { ShardCacheError, ShardInbox, ShardOutbox, type ShardedApply } from './worker-shards.js';

/** A frozen config of `hosts` virtual hosts (10 rules each), as the translator or a bus hands it over. */
function config(hosts: number, name = 'edge', edited = -1): GatewayConfig {
  const vhosts: VirtualHost[] = [];
  const backends: GatewayConfig['backends'] = {};
  for (let h = 0; h < hosts; h++) {
    const rules: HttpRule[] = [];
    for (let r = 0; r < 10; r++) {
      const id = `Service/ns/svc-${h % 5}:80`;
      backends[id] = { id, protocol: 'HTTP1', endpoints: [{ address: '10.0.0.1', port: 80, ready: true }] };
      rules.push({ id: `HTTPRoute/ns/route-${h}-${r}/0`, route: { kind: 'HTTPRoute', namespace: 'ns', name: `route-${h}-${r}`, rule: 0 }, filters: [], backends: [{ backend: id, weight: 1 }] });
    }
    const suffix = h === edited ? '-edited' : '';
    vhosts.push({ hostname: `host-${h}.example.com`, matches: rules.map((_, r) => ({ rule: r, path: { type: 'PathPrefix' as const, value: `/r${r}${suffix}` } })), rules });
  }
  return {
    apiVersion: IR_API_VERSION,
    gateway: { namespace: 'infra', name, generation: 1 },
    cluster: '',
    addresses: [],
    ports: [{ port: 80, listeners: [{ name: 'infra/edge/http', protocol: 'HTTP', virtualHosts: vhosts }] }],
    backends,
  };
}

/** `fresh` with the virtual hosts `previous` has unchanged (same content) taken from it, frozen: what the translator hands over after an edit. */
function sharing(previous: GatewayConfig, fresh: GatewayConfig): GatewayConfig {
  const old = new Map((previous.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts.map((v) => [JSON.stringify(v), v]));
  const listener = fresh.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] };
  listener.virtualHosts = listener.virtualHosts.map((v) => old.get(JSON.stringify(v)) ?? v);
  return deepFreeze(fresh);
}

/** `sharing` for configs of several listeners: every virtual host of `previous` with the same content is taken from it. */
function sharing2(previous: GatewayConfig, fresh: GatewayConfig): GatewayConfig {
  const all = previous.ports.flatMap((p) => p.listeners.flatMap((l) => (l as { virtualHosts: VirtualHost[] }).virtualHosts));
  const old = new Map(all.map((v) => [JSON.stringify(v), v]));
  for (const p of fresh.ports) for (const l of p.listeners as { virtualHosts: VirtualHost[] }[]) l.virtualHosts = l.virtualHosts.map((v) => old.get(JSON.stringify(v)) ?? v);
  return deepFreeze(fresh);
}

/** What crosses the IPC channel: JSON. */
const overIpc = (m: ShardedApply): ShardedApply => JSON.parse(JSON.stringify(m)) as ShardedApply;

const vhostsOf = (c: GatewayConfig) => (c.ports[0]!.listeners[0] as { virtualHosts: VirtualHost[] }).virtualHosts;

describe('worker shards', () => {
  it('sends each worker only the shards it lacks, and workers assemble the exact configs', () => {
    const outbox = new ShardOutbox();
    const inboxes = [new ShardInbox(), new ShardInbox()];
    const v1 = deepFreeze(config(400));
    let prepared = outbox.prepare([v1], [1, 2]);
    const first = [1, 2].map((w) => overIpc(outbox.messageFor(w, prepared)));
    expect(first[0]!.shards.length).toBeGreaterThan(10);
    const got1 = inboxes.map((inbox, i) => inbox.receive(first[i]!));
    for (const [c] of got1) {
      expect(configHash(c!)).toBe(configHash(v1));
      expect(c).toEqual(v1);
      expect(Object.isFrozen(c)).toBe(true);
    }

    // One virtual host edited: one or two shards travel, the rest is assembled from the cache.
    const v2 = sharing(v1, config(400, 'edge', 123));
    prepared = outbox.prepare([v2], [1, 2]);
    const second = [1, 2].map((w) => overIpc(outbox.messageFor(w, prepared)));
    expect(second[0]!.shards.length).toBeGreaterThanOrEqual(1);
    expect(second[0]!.shards.length).toBeLessThanOrEqual(3);
    const got2 = inboxes.map((inbox, i) => inbox.receive(second[i]!));
    for (const [i, [c]] of got2.entries()) {
      expect(c).toEqual(v2);
      expect(vhostsOf(c!)[123]!.matches[0]!.path.value).toBe('/r0-edited');
      // Unchanged virtual hosts are the objects the worker already had (what it compiled is reused).
      expect(vhostsOf(c!)[0]).toBe(vhostsOf(got1[i]![0]!)[0]);
      // So are the unchanged neighbours of the edited one, decoded again from the shard that changed.
      const kept = vhostsOf(c!).filter((v, h) => v === vhostsOf(got1[i]![0]!)[h]).length;
      expect(kept).toBe(399);
      // The backends table is the same object too (what was remembered about it still holds).
      expect(c!.backends).toBe(got1[i]![0]!.backends);
      expect(c!.ports[0]!.listeners[0]).not.toBe(got1[i]![0]!.ports[0]!.listeners[0]);
    }
    // The cache holds exactly the shards of the current manifests.
    expect(inboxes[0]!.size).toBe(new Set(second[0]!.manifests[0]!.shards).size);
  });

  it('gives a new worker everything, while the others get only what changed', () => {
    const outbox = new ShardOutbox();
    const v1 = deepFreeze(config(200));
    const all = outbox.messageFor(1, outbox.prepare([v1], [1])).shards.length;
    const v2 = sharing(v1, config(200, 'edge', 7));
    const prepared = outbox.prepare([v2], [1, 2]);
    expect(outbox.messageFor(1, prepared).shards.length).toBeLessThanOrEqual(3);
    expect(outbox.messageFor(2, prepared).shards.length).toBeGreaterThanOrEqual(all - 3);
    // Gateways that go away take their shards with them; a second gateway is carried alongside.
    const other = deepFreeze(config(5, 'other'));
    const both = outbox.prepare([other], [1]);
    const m = outbox.messageFor(1, both);
    const inbox = new ShardInbox();
    expect(() => inbox.receive(m)).not.toThrow();
  });

  it('keeps the listeners, ports and config objects whose parts did not change', () => {
    const outbox = new ShardOutbox();
    const inbox = new ShardInbox();
    // Two listeners on two ports: an edit of one leaves the other's objects as they were.
    const twoListeners = (edited: number): GatewayConfig => {
      const c = config(60, 'edge', edited);
      const vhosts = vhostsOf(c);
      return {
        ...c,
        ports: [
          { port: 80, listeners: [{ name: 'infra/edge/a', protocol: 'HTTP', virtualHosts: vhosts.slice(0, 30) }] },
          { port: 81, listeners: [{ name: 'infra/edge/b', protocol: 'HTTP', virtualHosts: vhosts.slice(30) }] },
        ],
      };
    };
    const v1 = deepFreeze(twoListeners(-1));
    const [c1] = inbox.receive(overIpc(outbox.messageFor(1, outbox.prepare([v1], [1]))));
    const v2 = sharing2(v1, twoListeners(40));
    const [c2] = inbox.receive(overIpc(outbox.messageFor(1, outbox.prepare([v2], [1]))));
    expect(c2).toEqual(v2);
    expect(configHash(c2!)).toBe(configHash(v2));
    expect(c2!.ports[0]).toBe(c1!.ports[0]);
    expect(c2!.ports[1]).not.toBe(c1!.ports[1]);
    expect(c2!.ports[1]!.listeners[0]).not.toBe(c1!.ports[1]!.listeners[0]);
    expect(Object.isFrozen(c2!.ports[1]!.listeners[0])).toBe(true);
    // The same manifest again: the same config object.
    const [c3] = inbox.receive(overIpc(outbox.messageFor(1, outbox.prepare([v2], [1]))));
    expect(c3).toBe(c2);
    // Back to v1's content: its first port is kept from c2, the second is assembled again.
    const v3 = deepFreeze(twoListeners(-1));
    const [c4] = inbox.receive(overIpc(outbox.messageFor(1, outbox.prepare([v3], [1]))));
    expect(c4).toEqual(v1);
    expect(c4!.ports[0]).toBe(c1!.ports[0]);
  });

  it('sends a worker left out of the preparation what it lacks, or says the shards were not prepared', () => {
    const outbox = new ShardOutbox();
    const inbox = new ShardInbox();
    const v1 = deepFreeze(config(50));
    const p1 = outbox.prepare([v1], [1, 2]);
    outbox.messageFor(1, p1);
    inbox.receive(overIpc(outbox.messageFor(2, p1)));
    // Prepared for worker 1 only; worker 2 holds what worker 1 holds, so nothing it lacks is missing.
    const v2 = sharing(v1, config(50, 'edge', 3));
    const p2 = outbox.prepare([v2], [1]);
    const m2 = outbox.messageFor(2, p2);
    expect(m2.shards.length).toBeGreaterThanOrEqual(1);
    expect(inbox.receive(overIpc(m2))[0]).toEqual(v2);
    // A worker that holds nothing cannot be served from shards prepared for others.
    outbox.forget(2);
    expect(() => outbox.messageFor(2, p2)).toThrow(/was not prepared/);
  });

  it('asks for a resend when shards are missing, and then assembles from a full send', () => {
    const outbox = new ShardOutbox();
    const v1 = deepFreeze(config(100));
    outbox.messageFor(1, outbox.prepare([v1], [1])); // sent, but "lost"
    const v2 = sharing(v1, config(100, 'edge', 3));
    const partial = outbox.messageFor(1, outbox.prepare([v2], [1]));
    const inbox = new ShardInbox();
    let error: unknown;
    try {
      inbox.receive(overIpc(partial));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShardCacheError);
    expect((error as ShardCacheError).resend).toBe(true);
    expect(inbox.size).toBe(0);
    outbox.forget(1);
    const [c] = inbox.receive(overIpc(outbox.messageFor(1, outbox.prepare([v2], [1]))));
    expect(c).toEqual(v2);
  });

  it('refuses shards that do not assemble into the config their manifest names', () => {
    const outbox = new ShardOutbox();
    const m = overIpc(outbox.messageFor(1, outbox.prepare([deepFreeze(config(20))], [1])));
    m.manifests[0]!.hash = configHash(deepFreeze(config(21)));
    const inbox = new ShardInbox();
    expect(() => inbox.receive(m)).toThrow(/hash/);
    expect(inbox.size).toBe(0);
  });

  it('refuses a shard whose content does not match its id', () => {
    const outbox = new ShardOutbox();
    const m = overIpc(outbox.messageFor(1, outbox.prepare([deepFreeze(config(20))], [1])));
    const items = m.shards[0]![1];
    const at = items.findIndex((t) => (JSON.parse(t) as { t: string }).t === 'head');
    const head = JSON.parse(items[at]!) as { h: { gateway: { generation: number } } };
    head.h.gateway.generation = 99;
    items[at] = JSON.stringify(head);
    const inbox = new ShardInbox();
    let error: unknown;
    try {
      inbox.receive(m);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShardCacheError);
    expect((error as ShardCacheError).message).toMatch(/does not match its id/);
    expect((error as ShardCacheError).resend).toBe(false);
    expect(inbox.size).toBe(0);
  });
});
