/**
 * The nats-server configuration of one spoke cluster's leafnode server. Topology: the hub runs
 * nats-server with JetStream in its own domain (`portwayNatsServerConfig` with `jetstream.domain`
 * and `leafnodes`); each spoke cluster runs a leafnode server that dials the hub's leafnode
 * listener with its cluster's leaf user, binding Portway's account on both sides. The spoke runs
 * JetStream too, in a domain of its own (NATS requires distinct domains on the two ends of a
 * leafnode when both run JetStream; without them the spoke's JetStream would answer `$JS.API`
 * requests meant for the hub). The agents of the spoke connect to the spoke server, and reach the
 * hub's buckets through the hub's domain (`NatsBus` option `jetstreamDomain`), with the agent
 * permissions of their cluster in that domain (`agentPermissions(cluster, hubDomain)`).
 *
 * When the link to the hub is cut, the agents stay connected to their spoke server: they keep
 * serving their last config (and, restarted, their disk cache) and reconnect to the buckets when
 * the link is back. Pure: options in, config text (JSON) out.
 */
import { agentPermissions, assertDomain, tlsBlock, type NatsUser } from './server-config.js';

export interface SpokeNatsServerOptions {
  /** The spoke cluster's name (what its agents pass as `--cluster`). */
  cluster: string;
  /** Client listener of the spoke server, where the cluster's agents connect. Default 0.0.0.0:4222. */
  host?: string;
  port?: number;
  serverName?: string;
  /** JetStream of the spoke: its store and its own domain (default: the cluster name). */
  jetstream: { storeDir: string; domain?: string; maxMemoryBytes?: number; maxFileBytes?: number };
  /** The hub's JetStream domain, where the buckets live (default "hub"). */
  hubDomain?: string;
  /** The hub's leafnode listener, e.g. "nats-leaf://hub.example:7422", and the spoke's leaf user there. */
  hub: { url: string; user: NatsUser; tls?: { caFile?: string; certFile?: string; keyFile?: string } };
  /** The cluster's agent users on the spoke server. */
  agents: NatsUser[];
  /** TLS for the agents' connections to the spoke server. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verifyClients?: boolean; timeoutSeconds?: number };
  /** Account of Portway's subjects, the same name as on the hub. Default "PORTWAY". */
  account?: string;
  maxPayloadBytes?: number;
}

/** The hub's default JetStream domain. */
export const DEFAULT_HUB_DOMAIN = 'hub';

/** The spoke server's configuration (JSON text). */
export function portwaySpokeNatsServerConfig(options: SpokeNatsServerOptions): string {
  const hubDomain = options.hubDomain ?? DEFAULT_HUB_DOMAIN;
  const domain = options.jetstream.domain ?? options.cluster.replace(/[^A-Za-z0-9_-]/g, '_');
  assertDomain(hubDomain);
  assertDomain(domain);
  if (domain === hubDomain) throw new Error(`the spoke ${options.cluster} needs a JetStream domain other than the hub's ("${hubDomain}")`);
  if (options.agents.length === 0) throw new Error(`spoke ${options.cluster}: give at least one agent user`);
  const names = options.agents.map((u) => u.user);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`NATS user "${duplicate}" is listed twice`);
  for (const u of [...options.agents, options.hub.user]) if (!u.user || !u.password) throw new Error(`NATS user "${u.user}" needs a name and a password`);
  let url: URL;
  try {
    url = new URL(options.hub.url);
  } catch {
    throw new Error(`hub leafnode URL "${options.hub.url}" is not a URL (e.g. nats-leaf://hub:7422)`);
  }
  url.username = encodeURIComponent(options.hub.user.user);
  url.password = encodeURIComponent(options.hub.user.password);
  const account = options.account ?? 'PORTWAY';
  const config: Record<string, unknown> = {
    listen: `${options.host ?? '0.0.0.0'}:${options.port ?? 4222}`,
    server_name: options.serverName ?? `portway-spoke-${domain}`,
    max_payload: options.maxPayloadBytes ?? 1024 * 1024,
    jetstream: {
      store_dir: options.jetstream.storeDir,
      domain,
      ...(options.jetstream.maxMemoryBytes !== undefined ? { max_memory_store: options.jetstream.maxMemoryBytes } : {}),
      ...(options.jetstream.maxFileBytes !== undefined ? { max_file_store: options.jetstream.maxFileBytes } : {}),
    },
    accounts: {
      [account]: {
        jetstream: 'enabled',
        users: options.agents.map((u) => ({ user: u.user, password: u.password, permissions: agentPermissions(options.cluster, hubDomain) })),
      },
    },
    leafnodes: {
      // nats-server retries the remote every `reconnect` seconds after the link drops.
      reconnect: 1,
      remotes: [{ url: url.toString(), account, ...(options.hub.tls ? { tls: tlsBlock(options.hub.tls) } : {}) }],
    },
  };
  if (options.tls) config.tls = tlsBlock({ ...options.tls, verifyClients: options.tls.verifyClients ?? false });
  return `${JSON.stringify(config, null, 2)}\n`;
}
