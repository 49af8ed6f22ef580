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
 *   refers to has the same runtime as when it was compiled.
 *
 * Mutable IR is never remembered. The memo belongs to one gateway of one proxy (its upstream
 * registry), and only a compile that succeeded updates it: a refused config leaves what the
 * previous one remembered.
 */
import type { Backend, Filter, VirtualHost } from '@portway/ir';
import type { BackendRuntime } from '../backends/backend-runtime.js';
import type { UpstreamRegistry } from '../upstream/upstream.js';
import type { CompiledVirtualHost } from './compiled-types.js';

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
}

export class CompileMemo {
  /** Runtimes of the last successful compile, by their frozen backend IR. */
  private runtimes = new Map<Backend, { readonly cluster: string; readonly runtime: BackendRuntime }>();
  /** Runtimes of the compile under way. */
  private next = new Map<Backend, { readonly cluster: string; readonly runtime: BackendRuntime }>();
  private readonly vhosts = new WeakMap<VirtualHost, CompiledEntry>();
  stats: CompileMemoStats = { virtualHosts: 0, reusedVirtualHosts: 0, backends: 0, reusedBackends: 0 };

  /** Starts a compile. */
  begin(): void {
    this.next = new Map();
    this.stats = { virtualHosts: 0, reusedVirtualHosts: 0, backends: 0, reusedBackends: 0 };
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
  }
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
