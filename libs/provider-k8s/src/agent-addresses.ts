/**
 * The addresses agents are reachable at, read from their Services: load-balancer ingress IPs and
 * hostnames, `spec.externalIPs`, and for NodePort Services the nodes' addresses (ExternalIP, else
 * InternalIP). These fill Gateways' `status.addresses` in Kubernetes mode.
 *
 * How several Gateways on one port share a cluster's agents: the controller gives each Gateway
 * addresses from a pool and never puts two Gateways with a common port on one address. So either
 * (a) run one agent Service per Gateway (label it, e.g. `gateway.portway.dev/name=<gateway>`, and read
 * it with that selector): each Gateway gets its own load-balancer address; or (b) share one agent
 * Service with several addresses (several load-balancer IPs, or node addresses): Gateways on
 * different ports share an address, Gateways on the same port take one address each, and a Gateway
 * that finds none free reads `AddressNotAssigned`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, resourcePath } from './kube-client.js';

/** One address of an agent. */
export interface AgentAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
  /** Where it came from. */
  source: 'loadBalancer' | 'externalIP' | 'node' | 'clusterIP';
  /** The Service, `namespace/name`. */
  service: string;
}

/** Options of {@link readAgentAddresses}. */
export interface AgentAddressOptions {
  kubeConfig: KubeConfig;
  /** Namespace of the agents' Services. */
  namespace: string;
  /** Label selector of the agents' Services (e.g. `app.kubernetes.io/name=portway-agent`). */
  labelSelector: string;
  /** Also report cluster IPs (reachable from inside the cluster only). Default false. */
  includeClusterIPs?: boolean;
}

type Obj = Record<string, any>;

export async function readAgentAddresses(o: AgentAddressOptions): Promise<AgentAddress[]> {
  const client = new KubeClient(o.kubeConfig);
  try {
    const services = await client.request<{ items?: Obj[] }>('GET', resourcePath({ group: '', version: 'v1', plural: 'services' }, o.namespace), {
      query: { labelSelector: o.labelSelector },
    });
    const out: AgentAddress[] = [];
    const add = (a: AgentAddress) => {
      if (!out.some((x) => x.type === a.type && x.value === a.value)) out.push(a);
    };
    let nodes: Obj[] | undefined;
    for (const svc of services.items ?? []) {
      const service = `${svc.metadata?.namespace ?? o.namespace}/${svc.metadata?.name}`;
      const spec = svc.spec ?? {};
      for (const ing of (svc.status?.loadBalancer?.ingress ?? []) as Obj[]) {
        if (ing.ip) add({ type: 'IPAddress', value: ing.ip, source: 'loadBalancer', service });
        else if (ing.hostname) add({ type: 'Hostname', value: ing.hostname, source: 'loadBalancer', service });
      }
      for (const ip of (spec.externalIPs ?? []) as string[]) add({ type: 'IPAddress', value: ip, source: 'externalIP', service });
      if (spec.type === 'NodePort') {
        nodes ??= (await client.request<{ items?: Obj[] }>('GET', resourcePath({ group: '', version: 'v1', plural: 'nodes' }))).items ?? [];
        for (const n of nodes) {
          const addrs = (n.status?.addresses ?? []) as Obj[];
          const pick = addrs.filter((a) => a.type === 'ExternalIP');
          for (const a of pick.length ? pick : addrs.filter((x) => x.type === 'InternalIP')) add({ type: 'IPAddress', value: a.address, source: 'node', service });
        }
      }
      if (o.includeClusterIPs) {
        for (const ip of (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) as string[]) {
          if (ip && ip !== 'None') add({ type: 'IPAddress', value: ip, source: 'clusterIP', service });
        }
      }
    }
    return out;
  } finally {
    client.close();
  }
}
