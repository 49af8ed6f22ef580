import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_HUB_DOMAIN, portwayNatsServerConfig, portwaySpokeNatsServerConfig, type NatsUser } from '@portway/bus';
import { parseHostPort } from '../defaults.js';

export interface NatsConfigOptions {
  storeDir: string;
  listen: string;
  hub: string;
  cluster: string[];
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  verifyClients?: boolean;
  output?: string;
  credentialsOut?: string;
  /** `--leafnodes host:port`: the hub's leafnode listener for the spoke servers (turns on the hub's JetStream domain). */
  leafnodes?: string;
  /** `--domain`: the hub's JetStream domain (default "hub"). */
  domain?: string;
  /** `--spoke-dir DIR`: write one spoke leafnode server config per cluster there (`<cluster>.json`). */
  spokeDir?: string;
  /** `--spoke-listen cluster=host:port`: the client listener of a spoke server (default 0.0.0.0:4222). */
  spokeListen?: string[];
  /** `--hub-leaf-url`: where spokes dial the hub (default nats-leaf://<--leafnodes>). */
  hubLeafUrl?: string;
}

/** "user:password" or "user" (a random password is drawn). */
function parseUser(value: string, option: string): NatsUser {
  const i = value.indexOf(':');
  const user = i >= 0 ? value.slice(0, i) : value;
  const password = i >= 0 ? value.slice(i + 1) : randomBytes(18).toString('base64url');
  if (!/^[A-Za-z0-9_.-]+$/.test(user)) throw new Error(`${option} "${value}": the user name may hold letters, digits, '.', '_', '-'`);
  if (password === '') throw new Error(`${option} "${value}": empty password`);
  return { user, password };
}

/** "east" (user portway-agent-east, random password) or "east=user[:password]". */
function parseCluster(value: string): NatsUser & { cluster: string } {
  const eq = value.indexOf('=');
  const cluster = (eq >= 0 ? value.slice(0, eq) : value).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(cluster)) throw new Error(`--cluster "${value}": "${cluster}" is not a cluster name`);
  return { cluster, ...parseUser(eq >= 0 ? value.slice(eq + 1) : `portway-agent-${cluster}`, '--cluster') };
}

const envName = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/**
 * `portway nats-config`: writes a nats-server configuration for Portway (JetStream, a hub user for
 * the controller and `portway diff`/`rollback`, one user per agent cluster with only that cluster's
 * keys and subjects) and the credentials as shell variables.
 */
export function natsConfigCommand(o: NatsConfigOptions): number {
  try {
    const listen = parseHostPort(o.listen);
    if (o.cluster.length === 0) throw new Error('give at least one --cluster (one NATS user per agent cluster)');
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
    if (o.verifyClients && !o.tlsCa) throw new Error('--verify-clients needs --tls-ca (the CA that signs client certificates)');
    const hub = parseUser(o.hub, '--hub');
    const agents = o.cluster.map(parseCluster);
    const clusters = agents.map((a) => a.cluster);
    const dup = clusters.find((c, i) => clusters.indexOf(c) !== i);
    if (dup) throw new Error(`--cluster ${dup} is given twice`);
    if ((o.spokeDir !== undefined || (o.spokeListen ?? []).length > 0) && !o.leafnodes) throw new Error('--spoke-dir and --spoke-listen need --leafnodes (the hub\'s leafnode listener)');
    const leaf = o.leafnodes ? parseHostPort(o.leafnodes) : undefined;
    const domain = o.domain ?? DEFAULT_HUB_DOMAIN;
    const leafUsers = agents.map((a) => ({ cluster: a.cluster, user: `portway-leaf-${a.cluster}`, password: randomBytes(18).toString('base64url') }));
    const spokeListen = new Map<string, { host: string; port: number }>();
    for (const v of o.spokeListen ?? []) {
      const eq = v.indexOf('=');
      const cluster = eq > 0 ? v.slice(0, eq) : '';
      if (!clusters.includes(cluster)) throw new Error(`--spoke-listen "${v}": expected <cluster>=<host:port> with a cluster given by --cluster`);
      spokeListen.set(cluster, parseHostPort(v.slice(eq + 1)));
    }
    const text = portwayNatsServerConfig({
      host: listen.host,
      port: listen.port,
      jetstream: { storeDir: resolve(o.storeDir), ...(leaf ? { domain } : {}) },
      ...(leaf ? { leafnodes: { host: leaf.host, port: leaf.port, users: leafUsers } } : {}),
      hub: [hub],
      agents,
      ...(o.tlsCert && o.tlsKey ? { tls: { certFile: resolve(o.tlsCert), keyFile: resolve(o.tlsKey), ...(o.tlsCa ? { caFile: resolve(o.tlsCa) } : {}), verifyClients: o.verifyClients ?? false } } : {}),
    });
    const creds = [
      `# NATS users of this Portway (written by portway nats-config). Keep this file private.`,
      `PORTWAY_HUB_USER=${hub.user}`,
      `PORTWAY_HUB_PASSWORD=${hub.password}`,
      ...agents.flatMap((a) => [`PORTWAY_${envName(a.cluster)}_USER=${a.user}`, `PORTWAY_${envName(a.cluster)}_PASSWORD=${a.password}`]),
      ...(leaf ? [`PORTWAY_NATS_DOMAIN=${domain}`] : []),
      '',
    ].join('\n');
    if (leaf && o.spokeDir) {
      const dir = resolve(o.spokeDir);
      mkdirSync(dir, { recursive: true });
      const url = o.hubLeafUrl ?? `nats-leaf://${leaf.host === '0.0.0.0' ? '127.0.0.1' : leaf.host}:${leaf.port}`;
      for (const [i, a] of agents.entries()) {
        const l = spokeListen.get(a.cluster) ?? { host: '0.0.0.0', port: 4222 };
        const spoke = portwaySpokeNatsServerConfig({
          cluster: a.cluster,
          host: l.host,
          port: l.port,
          jetstream: { storeDir: join(dir, `${a.cluster}-store`) },
          hubDomain: domain,
          hub: { url, user: leafUsers[i]! },
          agents: [{ user: a.user, password: a.password }],
        });
        writeFileSync(join(dir, `${a.cluster}.json`), spoke, { mode: 0o600 });
      }
    }
    if (o.output) writeFileSync(o.output, text);
    else process.stdout.write(text);
    if (o.credentialsOut) writeFileSync(o.credentialsOut, creds, { mode: 0o600 });
    else process.stderr.write(creds);
    return 0;
  } catch (e) {
    console.error(`portway nats-config: ${(e as Error).message}`);
    return 1;
  }
}
