import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findNatsServer, makeTestCertificates, writeTestCertificates } from '@portway/testing';
import { agentPermissions, hubPermissions, portwayNatsServerConfig } from './server-config.js';

const options = {
  port: 4222,
  jetstream: { storeDir: '/var/lib/portway/nats' },
  tls: { certFile: '/etc/portway/nats.crt', keyFile: '/etc/portway/nats.key', caFile: '/etc/portway/ca.crt', verifyClients: true },
  hub: [{ user: 'hub', password: '$2a$11$abcdefghijklmnopqrstuu5Zw5kXc1dN5rFXGlwDHO3M7f8F3NqK.' }],
  agents: [
    { cluster: 'east', user: 'agent-east', password: 'e' },
    { cluster: 'eu.west', user: 'agent-eu-west', password: 'w' },
  ],
};

describe('portwayNatsServerConfig', () => {
  it('writes a config nats-server accepts (checked with nats-server -t)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portway-nats-conf-'));
    let text = '';
    try {
      // nats-server -t reads the certificate files, so they must exist.
      const files = await writeTestCertificates(dir, await makeTestCertificates());
      text = portwayNatsServerConfig({ ...options, jetstream: { storeDir: join(dir, 'store') }, tls: { ...options.tls, certFile: files.server.certFile, keyFile: files.server.keyFile, caFile: files.caFile } });
      const file = join(dir, 'nats.conf');
      await writeFile(file, text);
      const { stdout, stderr } = await promisify(execFile)(findNatsServer(), ['-t', '-c', file]);
      expect(`${stdout}${stderr}`).toMatch(/is valid/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const parsed = JSON.parse(text);
    expect(parsed.tls).toMatchObject({ verify: true, ca_file: join(dir, 'ca.crt') });
    expect(parsed.accounts.PORTWAY.users.map((u: { user: string }) => u.user)).toEqual(['hub', 'agent-east', 'agent-eu-west']);
  });

  it("bounds an agent to its own cluster's keys and subjects", () => {
    const east = agentPermissions('east');
    expect(east.publish.allow).toEqual([
      '$JS.API.CONSUMER.CREATE.KV_portway-config.*.$KV.portway-config.east.>',
      '$JS.API.DIRECT.GET.KV_portway-config.$KV.portway-config.east.>',
      '$JS.API.DIRECT.GET.KV_portway-endpoints.$KV.portway-endpoints.east.>',
      '$KV.portway-endpoints.east.>',
      'portway.ack.east.>',
      'portway.heartbeat.east.>',
    ]);
    expect(east.subscribe.allow).toEqual(['_INBOX_portway.east.>']);
    // No wildcard over clusters, no stream-wide read API, no stream management.
    for (const s of east.publish.allow) expect(s).not.toMatch(/\$KV\.portway-(config|endpoints)\.\*|\.>\.|STREAM\.|DIRECT\.GET\.KV_portway-[a-z]+$/);
    // A cluster name that is not a plain token is encoded the same way as the keys.
    expect(agentPermissions('eu.west').publish.allow).toContain('portway.ack.=ZXUud2VzdA.>');
    expect(hubPermissions().subscribe.allow).toContain('portway.>');
  });

  it('refuses duplicate or incomplete users', () => {
    expect(() => portwayNatsServerConfig({ ...options, agents: [{ cluster: 'a', user: 'hub', password: 'x' }] })).toThrow(/listed twice/);
    expect(() => portwayNatsServerConfig({ ...options, agents: [{ cluster: 'a', user: 'a', password: '' }] })).toThrow(/needs a name and a password/);
  });
});
