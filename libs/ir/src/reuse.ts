/**
 * Structural sharing between a freshly assembled config and the previous one of the same
 * gateway: every part whose content is made of the very same objects as the previous config's
 * part is replaced by that part. An agent that keeps its decoded shards gets the same virtual
 * host and backend objects for what did not change; with this, it also gets the same listener,
 * port and backends-table objects, and what is remembered about them (their hashes, validation,
 * compiled form) still applies. An edit of one route then costs work in proportion to the
 * listener it touched, not the whole config.
 *
 * Pure: decides by identity only, never changes the content of the config it returns.
 */
import { deepFreeze } from './freeze.js';
import type { GatewayConfig, Listener, PortConfig, VirtualHost } from './schema.js';

type Obj = Readonly<Record<string, unknown>>;

/**
 * `next` with each listener, port, the ports list, the backends table (and the whole config)
 * replaced by `previous`'s when their contents are the same objects (arrays element by element).
 * `previous` must be deeply frozen (see `deepFreeze`): the parts taken from it are shared. A
 * listener that differs from the previous one only in some virtual hosts is deeply frozen, and
 * what differs is recorded (see `virtualHostEdit`).
 */
export function withUnchangedParts(next: GatewayConfig, previous: GatewayConfig | undefined): GatewayConfig {
  if (previous === undefined || next === previous) return next;
  const backends = sameTable(next.backends, previous.backends) ? previous.backends : next.backends;
  let ports: GatewayConfig['ports'] = next.ports;
  if (Array.isArray(next.ports) && Array.isArray(previous.ports)) {
    let same = next.ports.length === previous.ports.length;
    const merged = next.ports.map((port, i) => {
      const kept = keptPort(port, previous.ports[i]);
      same &&= kept === previous.ports[i];
      return kept;
    });
    ports = same ? previous.ports : merged;
  }
  const merged = { ...next, ports, backends };
  return sameFields(merged as unknown as Obj, previous as unknown as Obj, () => false) ? previous : (merged as GatewayConfig);
}

function keptPort(port: PortConfig, before: PortConfig | undefined): PortConfig {
  if (before === undefined || !port || !Array.isArray(port.listeners) || !Array.isArray(before.listeners)) return port;
  let same = port.listeners.length === before.listeners.length;
  const listeners = port.listeners.map((l, i) => {
    const kept = keptListener(l, before.listeners[i]);
    same &&= kept === before.listeners[i];
    return kept;
  });
  const merged = { ...port, listeners: same ? before.listeners : listeners };
  return sameFields(merged as unknown as Obj, before as unknown as Obj, () => false) ? before : merged;
}

function keptListener(l: Listener, before: Listener | undefined): Listener {
  if (before === undefined || !l) return l;
  // The route collections compare element by element; every other field by identity.
  if (sameFields(l as unknown as Obj, before as unknown as Obj, (k, a, b) => (k === 'virtualHosts' || k === 'routes') && sameElements(a, b))) return before;
  // The same listener but for a few virtual hosts: say which (hashing, validation and compile use it).
  if (
    'virtualHosts' in l &&
    'virtualHosts' in before &&
    isFrozen(before) &&
    sameFields(l as unknown as Obj, before as unknown as Obj, (k, a, b) => k === 'virtualHosts' && Array.isArray(a) && Array.isArray(b) && a.length === b.length)
  ) {
    const changed: number[] = [];
    const now = l.virtualHosts;
    const then = before.virtualHosts;
    for (let i = 0; i < now.length; i++) if (now[i] !== then[i]) changed.push(i);
    // Frozen at once, so the record can never describe content that changed under it.
    edits.set(deepFreeze(l), { base: before, changed });
  }
  return l;
}

/** An HTTP(S) listener of the IR. */
type HttpListener = Extract<Listener, { virtualHosts: unknown }>;

/**
 * What `withUnchangedParts` knows of a listener it assembled: it is `base` (deeply frozen) but
 * for the virtual hosts at the positions `changed` (ascending); every other field is identical.
 */
export interface VirtualHostEdit {
  readonly base: HttpListener;
  readonly changed: readonly number[];
}

const edits = new WeakMap<object, VirtualHostEdit>();

/**
 * How `listener` differs from the previous listener at its place, when `withUnchangedParts` made
 * it and `listener` is deeply frozen (else undefined: nothing may be assumed). Lets the hash,
 * validation and compile of a listener whose few virtual hosts changed cost those, not the list.
 */
export function virtualHostEdit(listener: object): VirtualHostEdit | undefined {
  return isFrozen(listener) ? edits.get(listener) : undefined;
}

function isFrozen(v: unknown): boolean {
  return v !== null && typeof v === 'object' && Object.isFrozen(v);
}

/** Same own keys in the same order, each with the identical value or one `alike` accepts. */
function sameFields(a: Obj, b: Obj, alike: (key: string, a: unknown, b: unknown) => boolean): boolean {
  const keys = Object.keys(a);
  const before = Object.keys(b);
  if (keys.length !== before.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (before[i] !== k) return false;
    if (a[k] !== b[k] && !alike(k, a[k], b[k])) return false;
  }
  return true;
}

function sameElements(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameTable(a: GatewayConfig['backends'], b: GatewayConfig['backends']): boolean {
  if (a === b) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  return sameFields(a as Obj, b as Obj, () => false);
}

/**
 * `config` (deeply frozen) with `deleteCount` virtual hosts of listener `listener` of port `port`
 * replaced, from position `start`, by `inserted` (deeply frozen virtual hosts); every other part
 * is `config`'s own. When as many are inserted as deleted, the new listener records which
 * positions hold other objects (see `virtualHostEdit`). Returns undefined when the arguments do
 * not fit `config` (the caller then assembles in full).
 */
export function withVirtualHostsSpliced(
  config: GatewayConfig,
  port: number,
  listener: number,
  start: number,
  deleteCount: number,
  inserted: readonly VirtualHost[],
): GatewayConfig | undefined {
  const p = config.ports[port];
  const base = p?.listeners[listener];
  if (!isFrozen(config) || base === undefined || !('virtualHosts' in base) || !isFrozen(base)) return undefined;
  const before = base.virtualHosts;
  if (start < 0 || deleteCount < 0 || start + deleteCount > before.length || !inserted.every(isFrozen)) return undefined;
  // concat: one native copy of the list, however long.
  const virtualHosts = Object.freeze(before.slice(0, start).concat(inserted, before.slice(start + deleteCount))) as VirtualHost[];
  const l = Object.freeze({ ...base, virtualHosts }) as HttpListener;
  if (inserted.length === deleteCount) {
    const changed: number[] = [];
    for (let k = 0; k < inserted.length; k++) if (inserted[k] !== before[start + k]) changed.push(start + k);
    edits.set(l, { base, changed });
  }
  const listeners = Object.freeze(p!.listeners.map((x, i) => (i === listener ? l : x))) as Listener[];
  const ports = Object.freeze(config.ports.map((x, i) => (i === port ? Object.freeze({ ...x, listeners }) : x))) as PortConfig[];
  return Object.freeze({ ...config, ports }) as GatewayConfig;
}
