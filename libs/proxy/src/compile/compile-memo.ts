/**
 * What compiling a gateway remembers from its previous compile, so that a config sharing most of
 * its parts with the one before (deeply frozen IR: see `deepFreeze` in `@portway/ir`; agents and
 * workers hand over the same virtual host and backend objects for what did not change) compiles
 * in time proportional to what changed:
 *
 * - backends: the runtime of a backend whose IR is the very same frozen object as in the
 *   previous accepted compile is kept (same endpoints, same upstream handles — which therefore
 *   stay in use and are not swept — and it keeps its round-robin position, retry budget and
 *   outlier state);
 * - virtual hosts: the compiled router of a frozen virtual host is reused when every backend it
 *   refers to has the same runtime as when it was compiled;
 * - listeners: when every backend id has the same runtime as in the previous accepted compile, an
 *   HTTP(S) listener that is the very same frozen object as then is reused whole, and one whose
 *   virtual hosts differ at a few positions (same hostnames) gets the previous compiled virtual
 *   hosts for the positions that did not change, without looking them up, and a copy of the
 *   previous host table with only the changed entries replaced (see `ListenerMemo`). Compiling an
 *   edit of one route then costs a pass of pointer comparisons over the listener's virtual hosts
 *   plus the compile of the one that changed, not a lookup and a host-table insert per virtual host.
 *
 * Mutable IR is never remembered. The memo belongs to one gateway of one proxy (its upstream
 * registry), and only a compile that succeeded updates it: a refused config leaves what the
 * previous one remembered.
 */
import type { Backend, Filter, Listener, VirtualHost } from '@portway/ir';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import type { UpstreamRegistry } from '../upstream/upstream.js';
import type { CompiledListener, CompiledVirtualHost } from './compiled-types.js';

/** An HTTP or HTTPS listener of the IR. */
export type HttpListenerIr = Extract<Listener, { protocol: 'HTTP' | 'HTTPS' }>;

/** What the previous accepted compile made of one HTTP(S) listener (see `CompileMemo.listenerBefore`). */
export interface ListenerMemo {
  /** The listener's IR (frozen). */
  readonly ir: HttpListenerIr;
  readonly port: number;
  readonly compiled: CompiledListener;
  /** The compiled virtual host of each of `ir.virtualHosts`, in the same order. */
  readonly vhosts: readonly CompiledVirtualHost[];
  /**
   * For each host slot (`HostTable.slotOf`), the position of the virtual host the table serves
   * for it (the first one). Valid for every list with the same hostnames at the same positions.
   */
  readonly winners: ReadonlyMap<string, number>;
}

interface CompiledEntry {
  readonly compiled: CompiledVirtualHost;
  /** The runtime of each backend id the virtual host refers to, when it was compiled. */
  readonly uses: readonly (readonly [id: string, runtime: BackendRuntime | undefined])[];
}

/** Counters of the last compile (tests, diagnostics). */
export interface CompileMemoStats {
  virtualHosts: number;
  reusedVirtualHosts: number;
  backends: number;
  reusedBackends: number;
  /** HTTP(S) listeners compiled, and those reused whole. */
  listeners: number;
  reusedListeners: number;
  /** Host tables made by replacing the changed entries of the previous one (not built anew). */
  patchedHostTables: number;
}

const NO_STATS: CompileMemoStats = { virtualHosts: 0, reusedVirtualHosts: 0, backends: 0, reusedBackends: 0, listeners: 0, reusedListeners: 0, patchedHostTables: 0 };

export class CompileMemo {
  /** Runtimes of the last successful compile, by their frozen backend IR. */
  private runtimes = new Map<Backend, { readonly cluster: string; readonly runtime: BackendRuntime }>();
  /** Runtimes of the compile under way. */
  private next = new Map<Backend, { readonly cluster: string; readonly runtime: BackendRuntime }>();
  private readonly vhosts = new WeakMap<VirtualHost, CompiledEntry>();
  /** Backend runtimes by id of the last successful compile. */
  private backendsById: ReadonlyMap<string, BackendRuntime> = new Map();
  /** Backend runtimes by id of the compile under way. */
  private nextBackendsById: ReadonlyMap<string, BackendRuntime> = new Map();
  /** HTTP(S) listeners of the last successful compile, by name. */
  private listeners = new Map<string, ListenerMemo>();
  /** Listeners of the compile under way. */
  private nextListeners = new Map<string, ListenerMemo>();
  /** The compile under way has the same backend runtimes by id as the last successful one. */
  private sameBackends = false;
  stats: CompileMemoStats = { ...NO_STATS };

  /** Starts a compile. */
  begin(): void {
    this.next = new Map();
    this.nextListeners = new Map();
    this.sameBackends = false;
    this.stats = { ...NO_STATS };
  }

  /**
   * The backend runtimes by id of the compile under way, once all are made (before any listener
   * is compiled): when they are those of the last successful compile, its listeners may be reused.
   */
  backendsReady(backends: ReadonlyMap<string, BackendRuntime>): void {
    this.sameBackends = sameEntries(backends, this.backendsById);
    this.nextBackendsById = backends;
  }

  /**
   * The previous accepted compile of listener `name` when it can serve as a base for this one:
   * same backend runtimes by id, same port and protocol, and frozen IR. Its compiled virtual host
   * at a position whose IR is the same object as before may then be used as it is.
   */
  listenerBefore(ir: HttpListenerIr, port: number): ListenerMemo | undefined {
    this.stats.listeners++;
    if (!this.sameBackends || !Object.isFrozen(ir)) return undefined;
    const previous = this.listeners.get(ir.name);
    if (previous === undefined || previous.port !== port || previous.ir.protocol !== ir.protocol) return undefined;
    return previous;
  }

  /** Keeps `entry` for the next compile (if this one succeeds); `reused`: the listener was reused whole. */
  rememberListener(entry: ListenerMemo, reused: boolean): void {
    if (reused) {
      this.stats.reusedListeners++;
      this.stats.virtualHosts += entry.vhosts.length;
      this.stats.reusedVirtualHosts += entry.vhosts.length;
    }
    if (Object.isFrozen(entry.ir)) this.nextListeners.set(entry.ir.name, entry);
  }

  /** `count` compiled virtual hosts taken from the previous compile of their listener (same IR object, same runtimes). */
  reusedVirtualHosts(count: number): void {
    this.stats.virtualHosts += count;
    this.stats.reusedVirtualHosts += count;
  }

  /** The runtime of backend `ir`: the previous compile's when `ir` is the same frozen object (same cluster), else `build()`. */
  runtime(ir: Backend, cluster: string, build: () => BackendRuntime): BackendRuntime {
    this.stats.backends++;
    if (!Object.isFrozen(ir)) return build();
    const previous = this.runtimes.get(ir);
    let runtime: BackendRuntime;
    if (previous !== undefined && previous.cluster === cluster) {
      runtime = previous.runtime;
      this.stats.reusedBackends++;
    } else {
      runtime = build();
    }
    this.next.set(ir, { cluster, runtime });
    return runtime;
  }

  /** The compiled virtual host: remembered when `vh` is frozen and its backends' runtimes are the same, else `compile()`. */
  virtualHost(vh: VirtualHost, backends: ReadonlyMap<string, BackendRuntime>, compile: () => CompiledVirtualHost): CompiledVirtualHost {
    this.stats.virtualHosts++;
    if (!Object.isFrozen(vh)) return compile();
    const known = this.vhosts.get(vh);
    if (known !== undefined && known.uses.every(([id, runtime]) => backends.get(id) === runtime)) {
      this.stats.reusedVirtualHosts++;
      return known.compiled;
    }
    const compiled = compile();
    this.vhosts.set(vh, { compiled, uses: [...backendIdsOf(vh)].map((id) => [id, backends.get(id)] as const) });
    return compiled;
  }

  /** The compile succeeded: its runtimes are the ones to keep. */
  commit(): void {
    this.runtimes = this.next;
    this.next = new Map();
    this.listeners = this.nextListeners;
    this.nextListeners = new Map();
    this.backendsById = this.nextBackendsById;
  }
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Every backend id a virtual host's rules refer to (backendRefs, and mirrors in rule and backendRef filters). */
function backendIdsOf(vh: VirtualHost): Set<string> {
  const ids = new Set<string>();
  const filters = (list: readonly Filter[] | undefined) => {
    for (const f of list ?? []) if (f.type === 'RequestMirror' && f.backend !== null) ids.add(f.backend);
  };
  for (const r of vh.rules) {
    filters(r.filters);
    for (const b of r.backends) {
      if (b.backend !== null) ids.add(b.backend);
      filters(b.filters);
    }
  }
  return ids;
}

const memos = new WeakMap<UpstreamRegistry, Map<string, CompileMemo>>();

/** The memo of gateway `key` compiled against `registry` (one registry per proxy). */
export function compileMemoFor(registry: UpstreamRegistry, key: string): CompileMemo {
  let byKey = memos.get(registry);
  if (byKey === undefined) memos.set(registry, (byKey = new Map()));
  let memo = byKey.get(key);
  if (memo === undefined) byKey.set(key, (memo = new CompileMemo()));
  return memo;
}
