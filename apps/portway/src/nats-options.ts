/**
 * The NATS connection options shared by `portway controller`, `portway agent`, `portway diff` and
 * `portway rollback`: servers, TLS files, and user/password or a credentials file. Passwords may
 * come from the environment (`PORTWAY_NATS_PASSWORD`) so they stay out of the process list.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { NatsConnectOptions } from '@portway/bus';

/** The options as commander parses them. */
export interface NatsCliOptions {
  nats?: string;
  natsCa?: string;
  natsCert?: string;
  natsKey?: string;
  natsUser?: string;
  natsPassword?: string;
  natsCreds?: string;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const NATS_PASSWORD_ENV = 'PORTWAY_NATS_PASSWORD';

/**
 * Adds the connection options to a command. `url`: whether `--nats` is required, defaults to
 * `nats://127.0.0.1:4222`, or is optional (`portway diff` reads the admin API without it).
 */
export function addNatsOptions(cmd: Command, url: 'required' | 'default' | 'optional'): Command {
  const option = new Option('--nats <url>', 'NATS server URL(s), comma-separated (nats:// or tls://)');
  if (url === 'required') option.makeOptionMandatory(true);
  else if (url === 'default') option.default(DEFAULT_NATS_URL);
  return cmd
    .addOption(option)
    .option('--nats-ca <file>', 'CA bundle that signs the NATS server certificate (turns on TLS)')
    .option('--nats-cert <file>', 'client certificate, when the server verifies clients')
    .option('--nats-key <file>', 'client certificate key')
    .option('--nats-user <user>', 'NATS user')
    .option('--nats-password <password>', `NATS password (or set ${NATS_PASSWORD_ENV})`)
    .option('--nats-creds <file>', 'NATS credentials file (JWT and nkey seed), instead of user and password');
}

/** Checks the options and turns them into the bus's connection options. Throws an Error naming the problem. */
export function natsConnectOptions(o: NatsCliOptions, env: NodeJS.ProcessEnv = process.env): NatsConnectOptions {
  const servers = (o.nats ?? DEFAULT_NATS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new Error('--nats: no server URL given');
  for (const s of servers) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(s) && !/^[^\s/:]+:\d+$/.test(s)) throw new Error(`--nats: "${s}" is not a NATS URL (expected nats://host:port or tls://host:port)`);
  }
  for (const [flag, file] of [['--nats-ca', o.natsCa], ['--nats-cert', o.natsCert], ['--nats-key', o.natsKey], ['--nats-creds', o.natsCreds]] as const) {
    if (file !== undefined && !existsSync(file)) throw new Error(`${flag}: ${file} does not exist`);
  }
  if ((o.natsCert === undefined) !== (o.natsKey === undefined)) throw new Error('--nats-cert and --nats-key go together');
  const password = o.natsPassword ?? env[NATS_PASSWORD_ENV];
  if (o.natsCreds !== undefined && (o.natsUser !== undefined || password !== undefined)) {
    throw new Error('--nats-creds replaces --nats-user/--nats-password: give one or the other');
  }
  if (o.natsUser !== undefined && password === undefined) throw new Error(`--nats-user needs --nats-password (or ${NATS_PASSWORD_ENV})`);
  const tlsWanted = o.natsCa !== undefined || o.natsCert !== undefined || servers.some((s) => s.startsWith('tls://'));
  return {
    servers,
    ...(tlsWanted
      ? {
          tls: {
            ...(o.natsCa !== undefined ? { caFile: o.natsCa } : {}),
            ...(o.natsCert !== undefined ? { certFile: o.natsCert } : {}),
            ...(o.natsKey !== undefined ? { keyFile: o.natsKey } : {}),
          },
        }
      : {}),
    ...(o.natsUser !== undefined ? { user: o.natsUser, password } : {}),
    ...(o.natsCreds !== undefined ? { credsFile: o.natsCreds } : {}),
  };
}
