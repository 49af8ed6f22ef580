/**
 * A nats-server configuration for Portway: one account with JetStream, a hub (controller) user
 * that manages everything of Portway's, and one agent user per cluster that may touch only its
 * own cluster's keys and subjects. Pure: options in, config text out (JSON, which nats-server
 * reads as its config format).
 *
 * What an agent of cluster A needs, and is granted (nothing else):
 * - watch its manifests: create a consumer on the config stream whose filter is inside
 *   `$KV.portway-config.A.>`. The subject form of the consumer-create API
 *   (`$JS.API.CONSUMER.CREATE.<stream>.<consumer>.<filter>`, nats-server 2.9+) carries the filter in
 *   the subject, and the server refuses a request whose body names another filter, so the
 *   permission really bounds what the consumer delivers;
 * - read manifests and shards by key: the direct-get API in its subject form
 *   (`$JS.API.DIRECT.GET.<stream>.<subject>`), again with the key in the subject. The body form
 *   (`$JS.API.DIRECT.GET.<stream>`, `$JS.API.STREAM.MSG.GET.<stream>`) could read any sequence and
 *   is not granted;
 * - answer the flow-control requests of its own consumers (`allow_responses`);
 * - write its endpoint reports: publish to `$KV.portway-endpoints.A.>` (and read them back by key);
 * - publish acks and heartbeats under `portway.ack.A.>` and `portway.heartbeat.A.>`;
 * - receive replies only under its own inbox prefix (`agentInboxPrefix(A)`), so it cannot
 *   overhear another cluster's replies.
 */
import { agentInboxPrefix, ACK_SUBJECT, CONFIG_BUCKET, CONFIG_STREAM, encodeToken, ENDPOINTS_BUCKET, ENDPOINTS_STREAM, HEARTBEAT_SUBJECT } from './keys.js';

/** A user/password pair. The password may be a bcrypt hash ("$2a$..."), which nats-server accepts. */
export interface NatsUser {
  user: string;
  password: string;
}

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** Lets the user publish replies to requests it received (flow control of its consumers). */
  allow_responses?: boolean;
}

export interface PortwayNatsServerOptions {
  /** Client listener. Default 0.0.0.0:4222. */
  host?: string;
  port?: number;
  serverName?: string;
  /**
   * JetStream storage. `domain` names this server's JetStream domain: required when leafnode
   * servers with JetStream of their own connect (each side needs its own domain), and what the
   * agents behind them pass as `jetstreamDomain` to reach the buckets.
   */
  jetstream: { storeDir: string; maxMemoryBytes?: number; maxFileBytes?: number; domain?: string };
  /** Leafnode listener for the spoke servers (see `leafnode-config.ts`): one user per spoke cluster, bound to Portway's account. */
  leafnodes?: LeafnodeListenerOptions;
  /** TLS for client connections: server certificate, and client certificates checked when `verifyClients`. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verifyClients?: boolean; timeoutSeconds?: number };
  /** Account holding Portway's buckets and subjects. Default "PORTWAY". */
  account?: string;
  /** Controller users. */
  hub: NatsUser[];
  /** One user (or more) per agent cluster. */
  agents: (NatsUser & { cluster: string })[];
  /** Largest message the server accepts (default 1 MiB, nats-server's own default). */
  maxPayloadBytes?: number;
}

/** Where the hub accepts the leafnode connections of spoke servers. */
export interface LeafnodeListenerOptions {
  host?: string;
  /** Default 7422 (the NATS leafnode port). */
  port?: number;
  /** One user per spoke cluster's leafnode server. */
  users: (NatsUser & { cluster: string })[];
  /**
   * The leafnode address the hub tells its spokes (nats-server `advertise`): spokes add it to the
   * URL they were configured with and may reconnect through it. Set it when spokes reach the hub
   * through a load balancer or NAT; by default the hub advertises its listen address.
   */
  advertise?: string;
  /** TLS of the leafnode listener (server certificate; spoke certificates checked when `verifyClients`). */
  tls?: { certFile: string; keyFile: string; caFile?: string; verifyClients?: boolean; timeoutSeconds?: number };
}

/** Permissions of the hub: everything under Portway's buckets and subjects, and the JetStream API of its account. */
export function hubPermissions(): NatsPermissions {
  return {
    publish: { allow: ['$JS.API.>', `$KV.${CONFIG_BUCKET}.>`, `$KV.${ENDPOINTS_BUCKET}.>`, 'portway.>', '$JS.FC.>'] },
    subscribe: { allow: ['_INBOX.>', 'portway.>'] },
    allow_responses: true,
  };
}

/**
 * Permissions of the agents of one cluster (see the module comment). With `jetstreamDomain` (an
 * agent behind a spoke's leafnode server, reaching the hub's buckets in the hub's domain) the same
 * JetStream requests are granted under `$JS.<domain>.API`, KV puts included (a KV opened in another
 * domain writes through the domain's API prefix).
 */
export function agentPermissions(cluster: string, jetstreamDomain?: string): NatsPermissions {
  const c = encodeToken(cluster);
  const api = jetstreamDomain ? `$JS.${jetstreamDomain}.API` : '$JS.API';
  return {
    publish: {
      allow: [
        `${api}.CONSUMER.CREATE.${CONFIG_STREAM}.*.$KV.${CONFIG_BUCKET}.${c}.>`,
        `${api}.DIRECT.GET.${CONFIG_STREAM}.$KV.${CONFIG_BUCKET}.${c}.>`,
        `${api}.DIRECT.GET.${ENDPOINTS_STREAM}.$KV.${ENDPOINTS_BUCKET}.${c}.>`,
        jetstreamDomain ? `${api}.$KV.${ENDPOINTS_BUCKET}.${c}.>` : `$KV.${ENDPOINTS_BUCKET}.${c}.>`,
        `${ACK_SUBJECT}.${c}.>`,
        `${HEARTBEAT_SUBJECT}.${c}.>`,
      ],
    },
    subscribe: { allow: [`${agentInboxPrefix(cluster)}.>`] },
    allow_responses: true,
  };
}

/** The server configuration (JSON text). */
export function portwayNatsServerConfig(options: PortwayNatsServerOptions): string {
  const leafUsers = options.leafnodes?.users ?? [];
  const names = [...options.hub, ...options.agents, ...leafUsers].map((u) => u.user);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`NATS user "${duplicate}" is listed twice`);
  for (const u of [...options.hub, ...options.agents, ...leafUsers]) {
    if (!u.user || !u.password) throw new Error(`NATS user "${u.user}" needs a name and a password`);
  }
  if (options.jetstream.domain !== undefined) assertDomain(options.jetstream.domain);
  if (options.leafnodes && options.jetstream.domain === undefined) throw new Error('a leafnode listener needs a JetStream domain (jetstream.domain): the spoke servers run JetStream domains of their own');
  const account = options.account ?? 'PORTWAY';
  const config: Record<string, unknown> = {
    listen: `${options.host ?? '0.0.0.0'}:${options.port ?? 4222}`,
    ...(options.serverName ? { server_name: options.serverName } : {}),
    max_payload: options.maxPayloadBytes ?? 1024 * 1024,
    jetstream: {
      store_dir: options.jetstream.storeDir,
      ...(options.jetstream.maxMemoryBytes !== undefined ? { max_memory_store: options.jetstream.maxMemoryBytes } : {}),
      ...(options.jetstream.maxFileBytes !== undefined ? { max_file_store: options.jetstream.maxFileBytes } : {}),
      ...(options.jetstream.domain !== undefined ? { domain: options.jetstream.domain } : {}),
    },
    accounts: {
      [account]: {
        jetstream: 'enabled',
        users: [
          ...options.hub.map((u) => ({ user: u.user, password: u.password, permissions: hubPermissions() })),
          ...options.agents.map((u) => ({ user: u.user, password: u.password, permissions: agentPermissions(u.cluster) })),
        ],
      },
    },
  };
  if (options.tls) config.tls = tlsBlock({ ...options.tls, verifyClients: options.tls.verifyClients ?? false });
  if (options.leafnodes) {
    const l = options.leafnodes;
    config.leafnodes = {
      listen: `${l.host ?? '0.0.0.0'}:${l.port ?? 7422}`,
      authorization: { users: l.users.map((u) => ({ user: u.user, password: u.password, account })) },
      ...(l.advertise ? { advertise: l.advertise } : {}),
      ...(l.tls ? { tls: tlsBlock({ ...l.tls, verifyClients: l.tls.verifyClients ?? false }) } : {}),
    };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** A nats-server `tls` block. */
export function tlsBlock(tls: { certFile?: string; keyFile?: string; caFile?: string; verifyClients?: boolean; timeoutSeconds?: number }): Record<string, unknown> {
  return {
    ...(tls.certFile ? { cert_file: tls.certFile } : {}),
    ...(tls.keyFile ? { key_file: tls.keyFile } : {}),
    ...(tls.caFile ? { ca_file: tls.caFile } : {}),
    ...(tls.verifyClients !== undefined ? { verify: tls.verifyClients } : {}),
    timeout: tls.timeoutSeconds ?? 2,
  };
}

/** JetStream domain names are one subject token: letters, digits, '-' and '_'. */
export function assertDomain(domain: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(domain)) throw new Error(`JetStream domain "${domain}" may hold only letters, digits, '-' and '_'`);
}
