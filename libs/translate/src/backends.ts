import type { ResolvedBackend } from '@portway/graph';
import type { Backend } from '@portway/ir';

/**
 * The backends of one gateway config, by id. A Service port used by several rules is one entry
 * (one connection pool per endpoint in the agent).
 */
export class BackendTable {
  readonly entries: Record<string, Backend> = {};

  /** `clientCertificate`: what the Gateway presents to TLS backends (`spec.tls.backend.clientCertificateRef`). */
  constructor(private readonly clientCertificate?: { certificate: string; privateKey: string }) {}

  /** Adds (or finds) the backend and returns its id. gRPC rules always speak HTTP/2 to the backend. */
  add(b: ResolvedBackend, grpc = false): string {
    let protocol = backendProtocol(b.appProtocol);
    // A Service may use one port number for TCP and UDP, with different endpoints.
    let id = `${b.kind}/${b.namespace}/${b.name}:${b.port}${b.transport === 'UDP' ? '/udp' : ''}`;
    if (grpc && protocol === 'HTTP1') {
      protocol = 'H2C';
      id += '/h2c';
    }
    if (b.tls) {
      protocol = protocol === 'H2C' ? 'H2' : protocol;
      id += '/tls';
    }
    const clientCertificate = this.clientCertificate;
    if (!this.entries[id]) {
      this.entries[id] = {
        id,
        protocol,
        endpoints: b.endpoints.map((e) => ({
          address: e.address,
          port: e.port,
          ready: e.ready,
          ...(e.zone ? { zone: e.zone } : {}),
          ...(e.cluster ? { cluster: e.cluster } : {}),
        })),
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
      };
    }
    return id;
  }
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
