import type { ResolvedBackend } from '@portway/graph';
import type { Backend } from '@portway/ir';

/** What rules need of a backend table: register a backend, get its id. */
export interface BackendRegistry {
  add(b: ResolvedBackend, grpc?: boolean): string;
}

/**
 * Gives the IR of a backend: `build` makes it; a translator that keeps IR between builds returns
 * the object it made earlier for the same resolved target instead.
 */
export type BackendInterner = (b: ResolvedBackend, grpc: boolean, id: string, build: () => Backend) => Backend;

/**
 * The backends of one gateway config, by id. A Service port used by several rules is one entry
 * (one connection pool per endpoint in the agent).
 */
export class BackendTable implements BackendRegistry {
  readonly entries: Record<string, Backend> = {};

  /** `clientCertificate`: what the Gateway presents to TLS backends (`spec.tls.backend.clientCertificateRef`). */
  constructor(
    private readonly clientCertificate?: { certificate: string; privateKey: string },
    private readonly intern: BackendInterner = (_b, _grpc, _id, build) => build(),
  ) {}

  /** The id `add` gives a backend. gRPC rules always speak HTTP/2 to the backend. */
  static idOf(b: ResolvedBackend, grpc = false): string {
    return backendShape(b, grpc).id;
  }

  /** Adds (or finds) the backend and returns its id. */
  add(b: ResolvedBackend, grpc = false): string {
    const { id, protocol } = backendShape(b, grpc);
    if (!Object.hasOwn(this.entries, id)) {
      const clientCertificate = this.clientCertificate;
      this.entries[id] = this.intern(b, grpc, id, () => ({
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
        }));
    }
    return id;
  }
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
