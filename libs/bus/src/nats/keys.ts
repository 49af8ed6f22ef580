/**
 * Names on the NATS side: buckets, keys and subjects, and how cluster, namespace and name become
 * subject tokens. Every layout decision about what lives where is here, so that the bus and the
 * permission generator (server-config.ts) can never disagree.
 *
 * Keys of `portway-config`:   <cluster>.gw.<namespace>.<name>   (manifests)
 *                             <cluster>.shard.<shard id>         (shards)
 *                             <cluster>.pin.<namespace>.<name>  (rollback holds; agents do not watch them)
 * Keys of `portway-endpoints`: <cluster>.<namespace>.<service>
 * Subjects:                   portway.ack.<cluster>.<agent>, portway.heartbeat.<cluster>.<agent>
 *
 * The cluster comes first so that one subject wildcard (`$KV.portway-config.<cluster>.>`) grants
 * an agent its own manifests and shards and nothing else.
 */
import type { ConfigKey } from '../types.js';

export const CONFIG_BUCKET = 'portway-config';
export const ENDPOINTS_BUCKET = 'portway-endpoints';
/** JetStream streams behind the buckets (the KV convention: "KV_" + bucket). */
export const CONFIG_STREAM = `KV_${CONFIG_BUCKET}`;
export const ENDPOINTS_STREAM = `KV_${ENDPOINTS_BUCKET}`;
export const ACK_SUBJECT = 'portway.ack';
export const HEARTBEAT_SUBJECT = 'portway.heartbeat';

/** Endpoint report key. */
export interface EndpointKey {
  cluster: string;
  namespace: string;
  service: string;
}

const PLAIN = /^[A-Za-z0-9_-]+$/;

/**
 * One subject token from any string: names made of letters, digits, '-' and '_' stay as they are
 * (the common case: Kubernetes names without dots); anything else — dots, other characters, the
 * empty string — becomes "=" followed by its UTF-8 bytes in base64url, which uses only characters
 * KV keys allow. Reversible, and an encoded token can never equal a plain one.
 */
export function encodeToken(value: string): string {
  return PLAIN.test(value) ? value : `=${Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** The inverse of `encodeToken`. */
export function decodeToken(token: string): string {
  return token.startsWith('=') ? Buffer.from(token.slice(1), 'base64url').toString('utf8') : token;
}

export const manifestKey = (k: ConfigKey) => `${encodeToken(k.cluster)}.gw.${encodeToken(k.namespace)}.${encodeToken(k.name)}`;
/** Filter of every manifest key of a cluster (all clusters when `cluster` is undefined). */
export const manifestFilter = (cluster?: string) => `${cluster === undefined ? '*' : encodeToken(cluster)}.gw.>`;
export const shardKey = (cluster: string, id: string) => `${encodeToken(cluster)}.shard.${id}`;
export const shardFilter = (cluster: string) => `${encodeToken(cluster)}.shard.>`;
export const endpointsKey = (k: EndpointKey) => `${encodeToken(k.cluster)}.${encodeToken(k.namespace)}.${encodeToken(k.service)}`;

export const pinKey = (k: ConfigKey) => `${encodeToken(k.cluster)}.pin.${encodeToken(k.namespace)}.${encodeToken(k.name)}`;
/** Filter of every rollback hold of a cluster (all clusters when `cluster` is undefined). */
export const pinFilter = (cluster?: string) => `${cluster === undefined ? '*' : encodeToken(cluster)}.pin.>`;

/** The config key a manifest key names, or undefined when the key is not a manifest key. */
export function parseManifestKey(key: string): ConfigKey | undefined {
  const t = key.split('.');
  if (t.length !== 4 || t[1] !== 'gw') return undefined;
  return { cluster: decodeToken(t[0]!), namespace: decodeToken(t[2]!), name: decodeToken(t[3]!) };
}

/** The shard id in a shard key, or undefined. */
export function parseShardKey(key: string): { cluster: string; id: string } | undefined {
  const t = key.split('.');
  if (t.length !== 3 || t[1] !== 'shard') return undefined;
  return { cluster: decodeToken(t[0]!), id: t[2]! };
}

export function parseEndpointsKey(key: string): EndpointKey | undefined {
  const t = key.split('.');
  if (t.length !== 3) return undefined;
  return { cluster: decodeToken(t[0]!), namespace: decodeToken(t[1]!), service: decodeToken(t[2]!) };
}

export const ackSubject = (cluster: string, agent: string) => `${ACK_SUBJECT}.${encodeToken(cluster)}.${encodeToken(agent)}`;
export const heartbeatSubject = (cluster: string, agent: string) => `${HEARTBEAT_SUBJECT}.${encodeToken(cluster)}.${encodeToken(agent)}`;

/** Cluster and agent of an ack or heartbeat subject (`<prefix>.<cluster>.<agent>`), or undefined. */
export function parseAgentSubject(subject: string, prefix: string): { cluster: string; agent: string } | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const t = subject.slice(prefix.length + 1).split('.');
  if (t.length !== 2) return undefined;
  return { cluster: decodeToken(t[0]!), agent: decodeToken(t[1]!) };
}

/**
 * Inbox prefix of an agent's connection. Replies to its requests (KV reads, consumer creation,
 * watch deliveries) arrive under it, and its permissions allow subscribing there only, so an
 * agent cannot listen to another cluster's replies.
 */
export const agentInboxPrefix = (cluster: string) => `_INBOX_portway.${encodeToken(cluster)}`;
