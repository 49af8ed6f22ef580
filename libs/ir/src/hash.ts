import { createHash } from 'node:crypto';
import { isImmutable } from './freeze.js';
import type { Backend, GatewayConfig, VirtualHost } from './schema.js';

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

/**
 * The same text as `canonicalJson` (keys sorted, then JSON.stringify's own rules: integer-like
 * keys first, undefined dropped, toJSON honoured), faster: one sorted copy, then a single native
 * JSON.stringify, instead of a replacer called for every value.
 */
export function canonicalText(value: unknown): string {
  return JSON.stringify(sortedCopy(value)) ?? 'null';
}

function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return sortedCopy(withJson.toJSON());
  if (Array.isArray(v)) return v.map(sortedCopy);
  const o = v as Record<string, unknown>;
  // Object.fromEntries, like canonicalJson's replacer: "__proto__" stays an ordinary key.
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortedCopy(o[k])]));
}

/** "sha256:<hex>" of a text. */
export function sha256Text(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Content hash of any JSON value: "sha256:<hex>" of its canonical JSON. */
export function contentHash(value: unknown): string {
  return sha256Text(canonicalText(value));
}

const vhostHashes = new WeakMap<object, string>();
const backendHashes = new WeakMap<object, string>();

/** `contentHash` of one virtual host (remembered for frozen ones). */
export function virtualHostHash(vhost: VirtualHost): string {
  if (!isImmutable(vhost)) return contentHash(vhost);
  let h = vhostHashes.get(vhost);
  if (h === undefined) vhostHashes.set(vhost, (h = contentHash(vhost)));
  return h;
}

/** `contentHash` of one backend (remembered for frozen ones). */
export function backendHash(backend: Backend): string {
  if (!isImmutable(backend)) return contentHash(backend);
  let h = backendHashes.get(backend);
  if (h === undefined) backendHashes.set(backend, (h = contentHash(backend)));
  return h;
}

/**
 * The identity of a gateway config on the bus, in acks and in manifests: a hash tree over the
 * config. Each virtual host and each backend is hashed on its own (`contentHash` of its canonical
 * JSON); the config hash is `contentHash` of the config in which every virtual host and every
 * backend is replaced by its hash string. Two configs have the same `configHash` exactly when
 * they have the same content (up to sha256 collisions), as with a hash of the whole text, but a
 * config that shares most of its virtual hosts and backends with an earlier one (frozen, see
 * `deepFreeze`) is hashed in time proportional to what changed, not to the table.
 */
export function configHash(config: GatewayConfig): string {
  return contentHash(configHashShell(config));
}

/** The config with its virtual hosts and backends replaced by their hashes (what `configHash` hashes). */
function configHashShell(config: GatewayConfig): unknown {
  const ports = Array.isArray(config.ports)
    ? config.ports.map((p) =>
        p && Array.isArray(p.listeners)
          ? {
              ...p,
              listeners: p.listeners.map((l) =>
                l && 'virtualHosts' in l && Array.isArray(l.virtualHosts) ? { ...l, virtualHosts: l.virtualHosts.map((vh) => virtualHostHash(vh)) } : l,
              ),
            }
          : p,
      )
    : config.ports;
  const backends =
    config.backends && typeof config.backends === 'object'
      ? Object.fromEntries(Object.entries(config.backends).map(([k, b]) => [k, backendHash(b)]))
      : config.backends;
  return { ...config, ports, backends };
}
