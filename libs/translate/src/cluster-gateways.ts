/**
 * Per-cluster reachability: which clusters of the ClusterSet are reached through their east-west
 * gateway rather than directly. A cluster listed here has an agent listening for east-west
 * connections (`portway agent --east-west-listen`) at the given address; the endpoints it serves
 * are dialed through that address by the agents of every *other* cluster (IR `Endpoint.via`).
 * Clusters not listed are dialed directly (flat network). A cluster's own endpoints are always
 * dialed directly.
 */

/** East-west gateway address of a cluster. */
export interface ClusterGateway {
  readonly address: string;
  readonly port: number;
}

/** Gateways by cluster name. */
export type ClusterGateways = Readonly<Record<string, ClusterGateway>>;

/**
 * The gateway an endpoint of `endpointCluster` is reached through from `fromCluster`, or
 * undefined when it is dialed directly (no cluster, the same cluster, or no gateway listed).
 */
export function gatewayFor(gateways: ClusterGateways | undefined, fromCluster: string, endpointCluster: string | undefined): ClusterGateway | undefined {
  if (gateways === undefined || !endpointCluster || endpointCluster === fromCluster) return undefined;
  return Object.hasOwn(gateways, endpointCluster) ? gateways[endpointCluster] : undefined;
}

/** A stable string of the setting (a translator starts afresh when it changes). */
export function clusterGatewaysKey(gateways: ClusterGateways | undefined): string {
  if (gateways === undefined) return '';
  return Object.keys(gateways)
    .sort()
    .map((c) => `${c}=${gateways[c]!.address}:${gateways[c]!.port}`)
    .join(',');
}

/**
 * Parses `--cluster-gateway` values, `<cluster>=<address>:<port>` (IPv6 in brackets:
 * `west=[fd00::1]:15443`), one per cluster. Throws a message naming the bad value.
 */
export function parseClusterGateways(values: readonly string[]): ClusterGateways {
  const out: Record<string, ClusterGateway> = {};
  for (const value of values) {
    const m = /^([^=\s]+)=(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
    const port = m ? Number(m[4]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`--cluster-gateway "${value}": expected <cluster>=<address>:<port>, e.g. west=10.0.0.5:15443`);
    const cluster = m[1]!;
    if (Object.hasOwn(out, cluster)) throw new Error(`--cluster-gateway: cluster "${cluster}" is given twice`);
    out[cluster] = { address: m[2] ?? m[3]!, port };
  }
  return out;
}
