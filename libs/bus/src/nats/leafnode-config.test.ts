import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, waitFor, type NatsServer } from '@portway/testing';
import type { EndpointReport } from '../types.js';
import { contractConfig } from './__fixtures__/bus-contract.js';
import { agentInboxPrefix } from './keys.js';
import { portwaySpokeNatsServerConfig } from './leafnode-config.js';
import { NatsBus } from './nats-bus.js';
import { agentPermissions, portwayNatsServerConfig } from './server-config.js';

const report = (cluster: string): EndpointReport => ({
  cluster,
  namespace: 'default',
  service: 'echo',
  at: 1,
  ports: [{ port: 80, protocol: 'TCP' }],
  endpoints: [{ address: '10.0.0.1', ready: true, healthy: true }],
  exportedAt: '2026-01-01T00:00:00Z',
});

/** The shared bounded poll, at this file's 50 ms pace. */
const until = <T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> => waitFor(what, fn, ms, 50);

/** A hub with a leafnode listener on `leafPort` and the `east` spoke linked to it (not yet waited for). */
async function startHubAndSpoke(servers: NatsServer[], leafPort: number, advertise?: string): Promise<{ hub: NatsServer; spoke: NatsServer }> {
  const hub = await startNatsServer({
    config: (ctx) =>
      portwayNatsServerConfig({
        host: ctx.host,
        port: ctx.port,
        jetstream: { storeDir: ctx.storeDir, domain: 'hub' },
        hub: [{ user: 'hub', password: 'h' }],
        agents: [],
        leafnodes: { host: '127.0.0.1', port: leafPort, users: [{ cluster: 'east', user: 'leaf-east', password: 'l' }], ...(advertise ? { advertise } : {}) },
      }),
  });
  servers.push(hub);
  const spoke = await startNatsServer({
    config: (ctx) =>
      portwaySpokeNatsServerConfig({
        cluster: 'east',
        host: ctx.host,
        port: ctx.port,
        jetstream: { storeDir: ctx.storeDir },
        hub: { url: `nats-leaf://127.0.0.1:${leafPort}`, user: { user: 'leaf-east', password: 'l' } },
        agents: [{ user: 'agent-east', password: 'a' }],
      }),
  });
  servers.push(spoke);
  return { hub, spoke };
}

describe('hub and spoke leafnode servers', () => {
  const servers: NatsServer[] = [];
  const buses: NatsBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it("lets an agent behind its spoke reach the hub's buckets in the hub's domain, with its own cluster's permissions only", async () => {
    const leafPort = await freePort();
    const { hub, spoke } = await startHubAndSpoke(servers, leafPort, `127.0.0.1:${leafPort}`);
    expect(JSON.parse(portwayNatsServerConfig({ jetstream: { storeDir: '/s', domain: 'hub' }, hub: [{ user: 'h', password: 'p' }], agents: [], leafnodes: { users: [] } })).leafnodes.listen).toBe('0.0.0.0:7422');
    await until('leafnode link', () => (/Leafnode connection created/i.test(spoke.log()) ? true : undefined));

    const controller = await NatsBus.connect({ servers: hub.url, user: 'hub', password: 'h', manageBuckets: true, onError: () => undefined });
    buses.push(controller);
    const agent = await NatsBus.connect({
      servers: spoke.url,
      user: 'agent-east',
      password: 'a',
      inboxPrefix: agentInboxPrefix('east'),
      jetstreamDomain: 'hub',
      requestTimeoutMs: 3_000,
      onError: () => undefined,
    });
    buses.push(agent);

    const seen: string[] = [];
    controller.watchEndpoints(({ key, report: r }) => seen.push(`${key.cluster}/${key.service}:${r ? r.endpoints.length : 'gone'}`));
    await agent.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, report('east'));
    await until('the report at the hub', () => (seen.includes('east/echo:1') ? true : undefined));
    // Another cluster's keys are refused by the spoke server.
    await expect(agent.putEndpoints({ cluster: 'west', namespace: 'default', service: 'echo' }, report('west'))).rejects.toThrow();

    let synced = false;
    agent.watchConfigs('east', () => undefined, { onSynced: () => (synced = true) });
    await until('the config watch through the leafnode', () => (synced ? true : undefined));
    await agent.putEndpoints({ cluster: 'east', namespace: 'default', service: 'echo' }, null);
    await until('the removal at the hub', () => (seen.includes('east/echo:gone') ? true : undefined));
  }, 30_000);

  it("follows the hub's configs again within seconds after the hub restarts, though the agent's own connection to its spoke never dropped", async () => {
    const leafPort = await freePort();
    const { hub, spoke } = await startHubAndSpoke(servers, leafPort);
    await until('leafnode link', () => (/Leafnode connection created/i.test(spoke.log()) ? true : undefined));
    const controller = await NatsBus.connect({ servers: hub.url, user: 'hub', password: 'h', manageBuckets: true, reconnectBackoff: { minMs: 100, maxMs: 500 }, onError: () => undefined });
    buses.push(controller);
    const key = { cluster: 'east', namespace: 'infra', name: 'edge' };
    await controller.putConfig(key, contractConfig(1));
    const agent = await NatsBus.connect({ servers: spoke.url, user: 'agent-east', password: 'a', inboxPrefix: agentInboxPrefix('east'), jetstreamDomain: 'hub', requestTimeoutMs: 3_000, onError: () => undefined });
    buses.push(agent);
    const generations: number[] = [];
    agent.watchConfigs('east', ({ entry }) => entry && generations.push(entry.config.gateway.generation));
    await until('the first config', () => (generations.includes(1) ? true : undefined));

    await hub.kill('SIGKILL');
    await hub.restart();
    const back = Date.now();
    for (let i = 0; ; i++) {
      try {
        await controller.putConfig(key, contractConfig(2));
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await until('the config published after the restart', () => (generations.includes(2) ? true : undefined), 15_000);
    expect(Date.now() - back).toBeLessThan(15_000);
  }, 45_000);

  it('grants the JetStream requests of an agent in the hub domain under $JS.<domain>.API', () => {
    const allow = agentPermissions('east', 'hub').publish.allow;
    expect(allow).toContain('$JS.hub.API.CONSUMER.CREATE.KV_portway-config.*.$KV.portway-config.east.>');
    expect(allow).toContain('$JS.hub.API.$KV.portway-endpoints.east.>');
    expect(allow.some((s) => s.startsWith('$JS.API.'))).toBe(false);
  });

  it('refuses a spoke domain equal to the hub domain, a bad URL, and a listener without a domain', () => {
    const base = { cluster: 'east', jetstream: { storeDir: '/s' }, hub: { url: 'nats-leaf://h:7422', user: { user: 'l', password: 'p' } }, agents: [{ user: 'a', password: 'b' }] };
    expect(() => portwaySpokeNatsServerConfig({ ...base, jetstream: { storeDir: '/s', domain: 'hub' } })).toThrow(/other than the hub's/);
    expect(() => portwaySpokeNatsServerConfig({ ...base, hub: { ...base.hub, url: 'not a url' } })).toThrow(/not a URL/);
    expect(() => portwayNatsServerConfig({ jetstream: { storeDir: '/s' }, hub: [{ user: 'h', password: 'p' }], agents: [], leafnodes: { users: [] } })).toThrow(/JetStream domain/);
  });
});
