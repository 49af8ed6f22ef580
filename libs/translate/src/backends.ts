import type { ResolvedBackend } from '@portway/graph';
import type { Backend } from '@portway/ir';
import { gatewayFor, type ClusterGateways } from './cluster-gateways.js';

/**
 * What rules need of a gateway's backends: register a backend, get its id. A Service port used
 * by several rules is one entry (one connection pool per endpoint in the agent).
 */
export interface BackendRegistry {
  add(b: ResolvedBackend, grpc?: boolean): string;
}

/** The id of a backend in a config's `backends`. gRPC rules always speak HTTP/2 to the backend. */
export function backendId(b: ResolvedBackend, grpc = false): string {
  return backendShape(b, grpc).id;
}

/**
 * The IR of a resolved backend. `clientCertificate`: what the Gateway presents to TLS backends
 * (`spec.tls.backend.clientCertificateRef`). `reach`: the east-west gateways of other clusters,
 * for the config of cluster `from` (endpoints of those clusters get `via`).
 */
export function backendIr(
  b: ResolvedBackend,
  grpc: boolean,
  clientCertificate?: { certificate: string; privateKey: string },
  reach?: { from: string; gateways: ClusterGateways | undefined },
): Backend {
  const { id, protocol } = backendShape(b, grpc);
  return {
    id,
    protocol,
    endpoints: b.endpoints.map((e) => {
      const via = reach !== undefined ? gatewayFor(reach.gateways, reach.from, e.cluster) : undefined;
      return {
        address: e.address,
        port: e.port,
        ready: e.ready,
        ...(e.zone ? { zone: e.zone } : {}),
        ...(e.cluster ? { cluster: e.cluster } : {}),
        ...(via ? { via: { address: via.address, port: via.port } } : {}),
      };
    }),
    ...(b.tls
      ? {
          tls: {
            serverName: b.tls.hostname,
            ...(clientCertificate ? { clientCertificate } : {}),
            ...(b.tls.caCertificates.length ? { caCertificates: b.tls.caCertificates } : {}),
            ...(b.tls.systemCAs ? { systemCAs: true } : {}),
            ...(b.tls.subjectAltNames.length ? { subjectAltNames: b.tls.subjectAltNames } : {}),
          },
        }
      : {}),
    ...(b.traffic?.retryBudget ? { retryBudget: b.traffic.retryBudget } : {}),
    ...(b.clusterPolicy ? { clusterPolicy: b.clusterPolicy } : {}),
    ...(b.healthCheck ? { healthCheck: b.healthCheck } : {}),
  };
}

/** A backend's id and protocol. A Service may use one port number for TCP and UDP, with different endpoints. */
function backendShape(b: ResolvedBackend, grpc: boolean): { id: string; protocol: Backend['protocol'] } {
  let protocol = backendProtocol(b.appProtocol);
  let id = `${b.kind}/${b.namespace}/${b.name}:${b.port}${b.transport === 'UDP' ? '/udp' : ''}`;
  if (grpc && protocol === 'HTTP1') {
    protocol = 'H2C';
    id += '/h2c';
  }
  if (b.tls) {
    protocol = protocol === 'H2C' ? 'H2' : protocol;
    id += '/tls';
  }
  return { id, protocol };
}

/** Service port `appProtocol` to the protocol the agent speaks to the backend. */
function backendProtocol(appProtocol: string | undefined): Backend['protocol'] {
  switch (appProtocol) {
    case 'kubernetes.io/h2c':
      return 'H2C';
    case 'kubernetes.io/ws':
    case 'kubernetes.io/wss':
      return 'WebSocket';
    default:
      return 'HTTP1';
  }
}
