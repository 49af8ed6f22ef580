import { createHash } from 'node:crypto';
import { isImmutable } from './freeze.js';
import { virtualHostEdit } from './reuse.js';
import type { Backend, GatewayConfig, Listener, VirtualHost } from './schema.js';

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
  // Values decoded from canonical text (shards, bus entries) are in canonical order already:
  // then JSON.stringify gives the canonical text as it is, without building a sorted copy.
  return JSON.stringify(inCanonicalOrder(value) ? value : sortedCopy(value)) ?? 'null';
}

/**
 * Whether JSON.stringify of `v` is already its canonical text: every object's own enumerable
 * keys come, in the order JSON.stringify takes them (that of for...in), in strictly increasing
 * order, no object has inherited enumerable keys, and nothing has a toJSON. Any doubt says no
 * (then `sortedCopy` decides), so the answer never changes the text, only how it is made.
 */
function inCanonicalOrder(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!inCanonicalOrder(v[i])) return false;
    return true;
  }
  let previous: string | undefined;
  for (const k in v) {
    if (!Object.hasOwn(v, k) || (previous !== undefined && !(previous < k))) return false;
    previous = k;
    if (!inCanonicalOrder((v as Record<string, unknown>)[k])) return false;
  }
  return true;
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
const listenerHashes = new WeakMap<object, string>();
const tableHashes = new WeakMap<object, string>();

/** `value`'s hash from `cache` when `value` is frozen (see `deepFreeze`), else computed. */
function remembered<T extends object>(cache: WeakMap<object, string>, value: T, hash: (v: T) => string): string {
  if (!isImmutable(value)) return hash(value);
  let h = cache.get(value);
  if (h === undefined) cache.set(value, (h = hash(value)));
  return h;
}

/** `contentHash` of one virtual host (remembered for frozen ones). */
export function virtualHostHash(vhost: VirtualHost): string {
  return remembered(vhostHashes, vhost, contentHash);
}

/** `contentHash` of one backend (remembered for frozen ones). */
export function backendHash(backend: Backend): string {
  return remembered(backendHashes, backend, contentHash);
}

/** Hash of a listener: `contentHash` of it with each virtual host replaced by its hash (remembered for frozen ones). */
export function listenerHash(listener: Listener): string {
  return remembered(listenerHashes, listener, (l) => (l && 'virtualHosts' in l && Array.isArray(l.virtualHosts) ? sha256Text(listenerText(l, vhostHashesOf(l))) : contentHash(l)));
}

const VHOSTS_KEY = '"virtualHosts":[]';

/**
 * `canonicalText({ ...l, virtualHosts: hashes })`, made from the text of the listener without its
 * virtual hosts and the hashes joined (they are "sha256:<hex>": nothing to escape), instead of
 * walking a list as long as the listener's virtual hosts.
 */
function listenerText(l: object, hashes: readonly string[]): string {
  const shell = canonicalText({ ...l, virtualHosts: [] });
  const at = shell.indexOf(VHOSTS_KEY);
  // The key appears once, as the listener's own (a string holding it would be escaped).
  if (at < 0 || shell.indexOf(VHOSTS_KEY, at + 1) >= 0) return canonicalText({ ...l, virtualHosts: hashes });
  const split = at + VHOSTS_KEY.length - 1;
  return `${shell.slice(0, split)}${hashes.length > 0 ? `"${hashes.join('","')}"` : ''}${shell.slice(split)}`;
}

/** The hashes of a frozen listener's virtual hosts, in order. */
const vhostHashLists = new WeakMap<object, readonly string[]>();

/**
 * The hash of each of `l`'s virtual hosts. For a frozen listener the list is remembered, and for
 * one that differs from a frozen base only at a few positions (see `virtualHostEdit`) it is the
 * base's list with those positions hashed: the cost of an edit, not of the listener.
 */
function vhostHashesOf(l: Extract<Listener, { virtualHosts: unknown }>): readonly string[] {
  if (!Object.isFrozen(l)) return l.virtualHosts.map((vh) => virtualHostHash(vh));
  let list = vhostHashLists.get(l);
  if (list !== undefined) return list;
  const edit = virtualHostEdit(l);
  if (edit !== undefined) {
    const patched = vhostHashesOf(edit.base).slice();
    for (const i of edit.changed) patched[i] = virtualHostHash(l.virtualHosts[i]!);
    list = patched;
  } else {
    list = l.virtualHosts.map((vh) => virtualHostHash(vh));
  }
  vhostHashLists.set(l, list);
  return list;
}

/** Hash of a backends table: `contentHash` of it with each backend replaced by its hash (remembered for frozen ones). */
export function backendsHash(backends: Readonly<Record<string, Backend>>): string {
  return remembered(tableHashes, backends, (t) => contentHash(Object.fromEntries(Object.entries(t).map(([k, b]) => [k, backendHash(b)]))));
}

/**
 * The identity of a gateway config on the bus, in acks and in manifests: a hash tree. Each
 * virtual host and each backend is hashed on its own (`contentHash` of its canonical JSON); a
 * listener's hash is that of the listener with its virtual hosts replaced by their hashes, the
 * backends table's that of the table with its backends replaced by theirs; the config hash is
 * `contentHash` of the config with its listeners and its backends table replaced by their hashes.
 * Two configs have the same `configHash` exactly when they have the same content (up to sha256
 * collisions), as with a hash of the whole text, but a config that shares most of its parts
 * with an earlier one (frozen, see `deepFreeze`) is hashed in time proportional to what changed,
 * not to the table.
 */
export function configHash(config: GatewayConfig): string {
  const ports = Array.isArray(config.ports)
    ? config.ports.map((p) => (p && Array.isArray(p.listeners) ? { ...p, listeners: p.listeners.map((l) => listenerHash(l)) } : p))
    : config.ports;
  const backends = config.backends && typeof config.backends === 'object' ? backendsHash(config.backends) : config.backends;
  return contentHash({ ...config, ports, backends });
}
