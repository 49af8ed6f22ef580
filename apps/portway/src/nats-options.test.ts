import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsConnectOptions } from './nats-options.js';

describe('NATS command-line options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portway-nats-options-'));
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, 'pem');

  it('a plain nats:// URL works without anything else', () => {
    expect(natsConnectOptions({ nats: 'nats://127.0.0.1:4222' }, {})).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });

  it('TLS from a CA file or a tls:// URL; user and password, the password from the environment', () => {
    expect(natsConnectOptions({ nats: 'nats://a:1, nats://b:2', natsCa: ca, natsUser: 'hub' }, { PORTWAY_NATS_PASSWORD: 'secret' })).toEqual({
      servers: ['nats://a:1', 'nats://b:2'],
      tls: { caFile: ca },
      user: 'hub',
      password: 'secret',
    });
    expect(natsConnectOptions({ nats: 'tls://a:1' }, {}).tls).toEqual({});
  });

  it('refuses what cannot work, naming the option', () => {
    expect(() => natsConnectOptions({ nats: 'http://a:1' }, {})).toThrow('--nats: "http://a:1" is not a NATS URL');
    expect(() => natsConnectOptions({ nats: 'nats://a:1', natsCa: join(dir, 'missing.crt') }, {})).toThrow(/--nats-ca: .*missing\.crt does not exist/);
    expect(() => natsConnectOptions({ nats: 'nats://a:1', natsCert: ca }, {})).toThrow('--nats-cert and --nats-key go together');
    expect(() => natsConnectOptions({ nats: 'nats://a:1', natsUser: 'hub' }, {})).toThrow('--nats-user needs --nats-password (or PORTWAY_NATS_PASSWORD)');
    expect(() => natsConnectOptions({ nats: 'nats://a:1', natsCreds: ca, natsUser: 'x', natsPassword: 'y' }, {})).toThrow(/--nats-creds replaces/);
  });
});
