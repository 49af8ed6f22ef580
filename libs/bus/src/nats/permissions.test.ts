/**
 * Per-cluster permissions, tried for real: a nats-server over TLS (client certificates verified)
 * with the config of portwayNatsServerConfig, a hub user and the agent users of clusters A and B.
 * B tries to read A's config, write A's endpoints and publish A's acks; A does all of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, startNatsServer, writeTestCertificates, type NatsServer, type TestCertificates } from '@portway/testing';
import type { Ack, ConfigEntry, EndpointReport, Heartbeat } from '../types.js';
import { contractConfig, eventually } from './__fixtures__/bus-contract.js';
import { NatsConnectError } from './errors.js';
import { agentInboxPrefix, CONFIG_BUCKET, CONFIG_STREAM, manifestKey } from './keys.js';
import { NatsBus, type NatsBusOptions } from './nats-bus.js';
import { portwayNatsServerConfig } from './server-config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const users = { hub: 'hub-secret', 'agent-a': 'a-secret', 'agent-b': 'b-secret' } as const;

describe('NATS permissions per cluster (TLS, verified client certificates)', () => {
  let server: NatsServer;
  let certs: TestCertificates;
  let certDir: string;
  const buses: NatsBus[] = [];
  const raw: NatsConnection[] = [];
  let hub: NatsBus;
  let agentA: NatsBus;
  let agentB: NatsBus;
  const errors: Record<string, string[]> = { hub: [], 'agent-a': [], 'agent-b': [] };

  const tls = (client: string) => ({ ca: certs.ca.cert, cert: certs.clients[client]!.cert, key: certs.clients[client]!.key });
  const open = async (user: keyof typeof users, options: Partial<NatsBusOptions> = {}) => {
    const bus = await NatsBus.connect({
      servers: server.url,
      user,
      password: users[user],
      tls: tls(user),
      name: user,
      onError: (e) => errors[user]!.push(e instanceof Error ? e.message : String(e)),
      ...options,
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    certs = await makeTestCertificates({ clients: ['hub', 'agent-a', 'agent-b'] });
    certDir = await mkdtemp(join(tmpdir(), 'portway-nats-certs-'));
    const files = await writeTestCertificates(certDir, certs);
    server = await startNatsServer({
      config: (ctx) =>
        portwayNatsServerConfig({
          host: ctx.host,
          port: ctx.port,
          jetstream: { storeDir: ctx.storeDir },
          tls: { certFile: files.server.certFile, keyFile: files.server.keyFile, caFile: files.caFile, verifyClients: true },
          hub: [{ user: 'hub', password: users.hub }],
          agents: [
            { cluster: 'A', user: 'agent-a', password: users['agent-a'] },
            { cluster: 'B', user: 'agent-b', password: users['agent-b'] },
          ],
        }),
    });
    hub = await open('hub', { manageBuckets: true });
    agentA = await open('agent-a', { inboxPrefix: agentInboxPrefix('A') });
    agentB = await open('agent-b', { inboxPrefix: agentInboxPrefix('B') });
    await hub.putConfig({ cluster: 'A', namespace: 'default', name: 'gw' }, contractConfig(1, 'A'));
    await hub.putConfig({ cluster: 'B', namespace: 'default', name: 'gw' }, contractConfig(2, 'B'));
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(raw.map((c) => c.close()));
    await server?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  const report = (cluster: string): EndpointReport => ({
    cluster,
    namespace: 'default',
    service: 'echo',
    at: 1,
    exportedAt: '2026-01-01T00:00:00Z',
    ports: [{ port: 80, protocol: 'TCP' }],
    endpoints: [{ address: '127.2.0.1', ready: true, healthy: true }],
  });
  const ack = (cluster: string, agent: string): Ack => ({ agent, cluster, gateway: { namespace: 'default', name: 'gw' }, revision: 1, hash: 'h', ok: true, listenersBound: [], errors: [] });

  it('lets agent A read its config, write its endpoints, publish its acks and heartbeats', async () => {
    const seen: ConfigEntry[] = [];
    let synced = false;
    agentA.watchConfigs('A', ({ entry }) => entry && seen.push(entry), { onSynced: () => (synced = true) });
    const acks: Ack[] = [];
    const beats: Heartbeat[] = [];
    const reports: string[] = [];
    hub.onAck((a) => acks.push(a));
    hub.onHeartbeat((h) => beats.push(h));
    hub.watchEndpoints(({ key, report: r }) => reports.push(`${key.cluster}:${r ? r.endpoints.length : 'gone'}`));

    await eventually(() => expect(synced).toBe(true));
    expect(seen.map((e) => e.config)).toEqual([contractConfig(1, 'A')]);
    await agentA.putEndpoints({ cluster: 'A', namespace: 'default', service: 'echo' }, report('A'));
    await agentA.publishAck(ack('A', 'agent-1'));
    await agentA.publishHeartbeat({ agent: 'agent-1', cluster: 'A', at: 1, serving: {}, ready: true });
    await eventually(() => expect(reports).toContain('A:1'));
    await eventually(() => expect(acks.map((a) => `${a.cluster}/${a.agent}`)).toEqual(['A/agent-1']));
    await eventually(() => expect(beats.map((h) => `${h.cluster}/${h.agent}`)).toEqual(['A/agent-1']));
    await agentA.putEndpoints({ cluster: 'A', namespace: 'default', service: 'echo' }, null);
    await eventually(() => expect(reports).toContain('A:gone'));
    expect(errors['agent-a']).toEqual([]);
  });

  it('does not let agent B read the config of cluster A, by watch, list or direct read', async () => {
    const seenA: ConfigEntry[] = [];
    const stop = agentB.watchConfigs('A', ({ entry }) => entry && seenA.push(entry));
    await eventually(() => expect(errors['agent-b']!.join('\n')).toMatch(/Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.CREATE\.KV_portway-config\.[^.]+\.\$KV\.portway-config\.A\.gw\.>"/));
    await sleep(500);
    stop();
    expect(seenA).toEqual([]);
    await expect(agentB.listConfigs('A')).rejects.toThrow(/Permissions Violation/);
    await expect(agentB.configAt({ cluster: 'A', namespace: 'default', name: 'gw' }, 1)).rejects.toThrow(/Permissions Violation|timeout|no revision/);

    // The same with a raw client: direct reads by key, by sequence, and a consumer whose body
    // filter (A) differs from the filter its subject was permitted for (B).
    const nc = await connect({ servers: server.url, user: 'agent-b', pass: users['agent-b'], tls: tls('agent-b'), inboxPrefix: agentInboxPrefix('B') });
    raw.push(nc);
    const kv = await new Kvm(nc).open(CONFIG_BUCKET, { allow_direct: true });
    await expect(kv.get(manifestKey({ cluster: 'A', namespace: 'default', name: 'gw' }))).rejects.toThrow(/Permissions Violation/);
    await expect(nc.request(`$JS.API.DIRECT.GET.${CONFIG_STREAM}`, JSON.stringify({ seq: 1 }), { timeout: 1000 })).rejects.toThrow(/Permissions Violation/);
    await expect(nc.request(`$JS.API.STREAM.MSG.GET.${CONFIG_STREAM}`, JSON.stringify({ seq: 1 }), { timeout: 1000 })).rejects.toThrow(/Permissions Violation/);
    const name = 'sneaky';
    const reply = await nc.request(
      `$JS.API.CONSUMER.CREATE.${CONFIG_STREAM}.${name}.$KV.${CONFIG_BUCKET}.B.gw.>`,
      JSON.stringify({ stream_name: CONFIG_STREAM, config: { name, filter_subject: `$KV.${CONFIG_BUCKET}.A.>`, deliver_subject: createInbox(agentInboxPrefix('B')), ack_policy: 'none', deliver_policy: 'all' } }),
      { timeout: 2000 },
    );
    expect(reply.json<{ error?: { description: string } }>().error?.description).toMatch(/did not match filtered subject/);

    // Its own cluster, B, it reads.
    const seenB: ConfigEntry[] = [];
    agentB.watchConfigs('B', ({ entry }) => entry && seenB.push(entry));
    await eventually(() => expect(seenB.map((e) => e.config)).toEqual([contractConfig(2, 'B')]));
  });

  it("does not let agent B write A's endpoints or publish A's acks", async () => {
    const reports: string[] = [];
    const acks: Ack[] = [];
    hub.watchEndpoints(({ key }) => reports.push(key.cluster));
    hub.onAck((a) => acks.push(a));
    await expect(agentB.putEndpoints({ cluster: 'A', namespace: 'default', service: 'spoofed' }, { ...report('A'), service: 'spoofed' })).rejects.toThrow(/Permissions Violation/);
    await agentB.publishAck(ack('A', 'spoof')); // core NATS: the server drops it and tells the publisher
    await agentB.putEndpoints({ cluster: 'B', namespace: 'default', service: 'echo' }, report('B'));
    await agentB.publishAck(ack('B', 'agent-1'));
    await eventually(() => expect(acks.map((a) => `${a.cluster}/${a.agent}`)).toEqual(['B/agent-1']));
    await eventually(() => expect(reports).toContain('B'));
    await sleep(300);
    expect(acks.map((a) => a.agent)).not.toContain('spoof');
    expect(reports.filter((c) => c === 'A')).toHaveLength(0);
  });

  it('refuses clients without TLS, without a client certificate, or with a wrong password', async () => {
    const base = { servers: server.url, user: 'agent-a', password: users['agent-a'], connectTimeoutMs: 2000 };
    for (const [what, options] of [
      ['no TLS', base],
      ['no client certificate', { ...base, tls: { ca: certs.ca.cert } }],
      ['wrong password', { ...base, password: 'wrong', tls: tls('agent-a') }],
    ] as const) {
      const e = await NatsBus.connect(options).catch((x: unknown) => x);
      expect(e, what).toBeInstanceOf(NatsConnectError);
      expect((e as Error).message, what).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: /);
    }
  });
});
