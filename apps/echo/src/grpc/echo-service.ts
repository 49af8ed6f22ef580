import * as grpc from '@grpc/grpc-js';
import { bytesToGoString } from '../go/go-string.js';
import type { TlsAssertions } from '../http/tls-assertions.js';
import type { LogSink } from '../log.js';
import type { PodContext } from '../pod-context.js';

/** The `EchoResponse` message (proto field names). */
export interface EchoResponseMessage {
  assertions: {
    fully_qualified_method: string;
    headers: Array<{ key: string; value: string }>;
    authority: string;
    context: { namespace: string; ingress: string; service_name: string; pod: string };
    tls_assertions?: {
      version: string;
      negotiated_protocol: string;
      server_name: string;
      cipher_suite: string;
      peer_certificates: string[];
    };
  };
}

/** Settings of one gRPC listener's service implementation. */
export interface EchoServiceConfig {
  readonly pod: PodContext;
  readonly log: LogSink;
  /** For the TLS listener: the assertions of the connection a call arrived on (by peer address). */
  readonly tlsOf?: (peer: string) => TlsAssertions | undefined;
}

type Call = grpc.ServerUnaryCall<unknown, EchoResponseMessage>;

/**
 * The metadata as upstream lists it: `:authority` (when present) and one entry per value of
 * every other key. Binary (`-bin`) values are their decoded bytes.
 */
function headerEntries(call: Call): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  const authority = call.getHost();
  if (authority) out.push({ key: ':authority', value: authority });
  for (const key of Object.keys(call.metadata.getMap())) {
    for (const v of call.metadata.get(key)) {
      out.push({ key, value: typeof v === 'string' ? v : bytesToGoString(v) });
    }
  }
  return out;
}

/** Builds the `GrpcEcho` implementation: Echo and EchoTwo answer, EchoThree is UNIMPLEMENTED. */
export function grpcEchoImplementation(service: grpc.ServiceDefinition, config: EchoServiceConfig): grpc.UntypedServiceImplementation {
  const connectionType = config.tlsOf ? 'TLS' : 'plaintext';
  const echo = (method: string) => (call: Call, callback: grpc.sendUnaryData<EchoResponseMessage>): void => {
    config.log(`Received over ${connectionType}: `);
    const response: EchoResponseMessage = {
      assertions: {
        fully_qualified_method: service[method]!.path,
        headers: headerEntries(call),
        authority: call.getHost() ?? '',
        context: {
          namespace: config.pod.namespace,
          ingress: config.pod.ingress,
          service_name: config.pod.service,
          pod: config.pod.pod,
        },
      },
    };
    if (config.tlsOf) {
      const tls = config.tlsOf(call.getPeer());
      if (!tls) {
        config.log('Failed to retrieve TLS info from request');
        callback({ code: grpc.status.UNKNOWN, details: 'Failed to retrieve TLS info from request\n' });
        return;
      }
      response.assertions.tls_assertions = {
        version: tls.version,
        negotiated_protocol: tls.negotiatedProtocol,
        server_name: tls.serverName,
        cipher_suite: tls.cipherSuite,
        peer_certificates: [...tls.peerCertificates],
      };
    }
    callback(null, response);
  };
  return {
    Echo: echo('Echo'),
    EchoTwo: echo('EchoTwo'),
    EchoThree: (_call: Call, callback: grpc.sendUnaryData<EchoResponseMessage>): void => {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'method EchoThree not implemented' });
    },
  };
}
