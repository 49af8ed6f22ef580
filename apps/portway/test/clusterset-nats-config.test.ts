/**
 * `portway nats-config --leafnodes ... --spoke-dir ...` from the built CLI: the hub config and one
 * spoke config per cluster, each accepted by nats-server (`-t`), with the JetStream domains and the
 * agents' permissions in the hub's domain.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findNatsServer, portwayCli } from '../src/demo/clusterset.js';
import { clusterSetRunnable } from './support/clusterset.js';

describe.skipIf(!clusterSetRunnable)('portway nats-config with leafnodes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portway-nats-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a hub config with a domain and a leafnode listener, and spoke configs nats-server accepts', async () => {
    const r = spawnSync(
      process.execPath,
      [portwayCli, 'nats-config', '--store-dir', join(dir, 'hub'), '--listen', '127.0.0.1:4222', '--cluster', 'east', '--cluster', 'west', '--leafnodes', '127.0.0.1:7422', '--spoke-dir', join(dir, 'spokes'), '--spoke-listen', 'east=127.0.0.1:4223', '-o', join(dir, 'hub.json'), '--credentials-out', join(dir, 'creds.env')],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['hub.json', 'spokes/east.json', 'spokes/west.json']) {
      const { stdout, stderr } = await promisify(execFile)(findNatsServer(), ['-t', '-c', join(dir, f)]);
      expect(`${stdout}${stderr}`).toMatch(/is valid/);
    }
    const hub = JSON.parse(readFileSync(join(dir, 'hub.json'), 'utf8'));
    expect(hub.jetstream.domain).toBe('hub');
    expect(hub.leafnodes.listen).toBe('127.0.0.1:7422');
    expect(hub.leafnodes.authorization.users.map((u: { user: string; account: string }) => `${u.user}@${u.account}`)).toEqual(['portway-leaf-east@PORTWAY', 'portway-leaf-west@PORTWAY']);
    const east = JSON.parse(readFileSync(join(dir, 'spokes/east.json'), 'utf8'));
    expect(east.listen).toBe('127.0.0.1:4223');
    expect(east.jetstream.domain).toBe('east');
    expect(east.leafnodes.remotes[0].url).toMatch(/^nats-leaf:\/\/portway-leaf-east:[^@]+@127\.0\.0\.1:7422$/);
    expect(east.accounts.PORTWAY.users[0].permissions.publish.allow).toContain('$JS.hub.API.$KV.portway-endpoints.east.>');
    expect(readFileSync(join(dir, 'creds.env'), 'utf8')).toContain('PORTWAY_NATS_DOMAIN=hub');
  });

  it('refuses spokes without a leafnode listener, and a spoke listener of an unknown cluster', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [portwayCli, 'nats-config', '--store-dir', join(dir, 'x'), '--cluster', 'east', ...args], { encoding: 'utf8' });
    expect(run('--spoke-dir', join(dir, 's')).stderr).toMatch(/need --leafnodes/);
    expect(run('--leafnodes', '127.0.0.1:7422', '--spoke-listen', 'north=127.0.0.1:1').stderr).toMatch(/--spoke-listen "north=127.0.0.1:1"/);
  });
});
