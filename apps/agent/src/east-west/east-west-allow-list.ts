/**
 * The endpoints an east-west gateway relays to: those its own cluster serves. It holds one set
 * per source (the agent's configs; the endpoints the cluster exports, when an exporter feeds it)
 * and allows their union, so a connection can only reach what the cluster already offers to the
 * ClusterSet — never an arbitrary address inside the cluster.
 */
import type { GatewayConfig } from '@portway/ir';

/** One endpoint, as the IR and EndpointSlices give it. */
export interface AllowedEndpoint {
  readonly address: string;
  readonly port: number;
}

export class EastWestAllowList {
  private readonly sources = new Map<string, ReadonlySet<string>>();
  private union: ReadonlySet<string> = new Set();

  /** Replaces the endpoints of one source (e.g. "configs", "exports"). */
  set(source: string, endpoints: Iterable<AllowedEndpoint>): void {
    const keys = new Set<string>();
    for (const e of endpoints) keys.add(allowKey(e.address, e.port));
    this.sources.set(source, keys);
    this.rebuild();
  }

  /** Forgets a source. */
  delete(source: string): void {
    if (this.sources.delete(source)) this.rebuild();
  }

  has(address: string, port: number): boolean {
    return this.union.has(allowKey(address, port));
  }

  get size(): number {
    return this.union.size;
  }

  private rebuild(): void {
    const all = new Set<string>();
    for (const keys of this.sources.values()) for (const k of keys) all.add(k);
    this.union = all;
  }
}

/**
 * The endpoints of `cluster` in a set of configs: every backend endpoint that lives in this
 * cluster (no `cluster`, or this one) and is dialed directly (an endpoint reached through
 * another gateway is not this cluster's to relay).
 */
export function localEndpoints(configs: readonly GatewayConfig[], cluster: string): AllowedEndpoint[] {
  const out: AllowedEndpoint[] = [];
  for (const config of configs) {
    for (const backend of Object.values(config.backends)) {
      for (const ep of backend.endpoints) {
        if (ep.via !== undefined) continue;
        if (ep.cluster !== undefined && ep.cluster !== '' && ep.cluster !== cluster) continue;
        out.push({ address: ep.address, port: ep.port });
      }
    }
  }
  return out;
}

function allowKey(address: string, port: number): string {
  return `${address.toLowerCase()}|${port}`;
}
