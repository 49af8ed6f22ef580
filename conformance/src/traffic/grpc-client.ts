import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

/** grpcecho.proto of the conformance echo backend, as a protobuf.js JSON descriptor. */
const GRPC_ECHO_PROTO = {
  nested: {
    gateway_api_conformance: {
      nested: {
        echo_basic: {
          nested: {
            grpcecho: {
              nested: {
                Header: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
                Context: { fields: { namespace: { type: 'string', id: 1 }, ingress: { type: 'string', id: 2 }, service_name: { type: 'string', id: 3 }, pod: { type: 'string', id: 4 } } },
                TLSAssertions: {
                  fields: {
                    version: { type: 'string', id: 1 },
                    negotiated_protocol: { type: 'string', id: 2 },
                    server_name: { type: 'string', id: 3 },
                    cipher_suite: { type: 'string', id: 4 },
                    peer_certificates: { rule: 'repeated', type: 'string', id: 5 },
                  },
                },
                Assertions: {
                  fields: {
                    fully_qualified_method: { type: 'string', id: 1 },
                    headers: { rule: 'repeated', type: 'Header', id: 2 },
                    authority: { type: 'string', id: 3 },
                    context: { type: 'Context', id: 4 },
                    tls_assertions: { type: 'TLSAssertions', id: 5 },
                  },
                },
                EchoRequest: { fields: {} },
                EchoResponse: { fields: { assertions: { type: 'Assertions', id: 1 }, request: { type: 'EchoRequest', id: 2 } } },
                GrpcEcho: {
                  methods: {
                    Echo: { requestType: 'EchoRequest', responseType: 'EchoResponse' },
                    EchoTwo: { requestType: 'EchoRequest', responseType: 'EchoResponse' },
                    EchoThree: { requestType: 'EchoRequest', responseType: 'EchoResponse' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
const definition = fromJSON(GRPC_ECHO_PROTO as Parameters<typeof fromJSON>[0], { longs: String, defaults: true, oneofs: true });
const echoMethod = (definition[SERVICE] as grpc.ServiceDefinition)['Echo']!;

/** The echo reply, field names as in grpcecho.proto. */
export interface GrpcEchoResponse {
  assertions?: {
    fully_qualified_method?: string;
    headers?: { key: string; value: string }[];
    authority?: string;
    context?: { namespace?: string; ingress?: string; service_name?: string; pod?: string };
  };
}

/** The outcome of one RPC: the status code, and the echo reply when it is OK. */
export interface GrpcResult {
  code: number;
  details?: string;
  response?: GrpcEchoResponse;
}

/**
 * Makes one plaintext (h2c) gRPC call to `fullMethod` on a new connection, as the suite's default
 * client does: `:authority` set when given, metadata keys lower-cased, a deadline in ms. Every
 * method uses grpcecho's EchoRequest/EchoResponse messages.
 */
export async function callGrpcEcho(o: { address: string; authority?: string; fullMethod: string; metadata?: Record<string, string>; deadlineMs: number }): Promise<GrpcResult> {
  const client = new grpc.Client(o.address, grpc.credentials.createInsecure(), o.authority ? { 'grpc.default_authority': o.authority } : {});
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(o.metadata ?? {})) md.set(k.toLowerCase(), v);
  try {
    return await new Promise<GrpcResult>((resolve) => {
      client.makeUnaryRequest(
        o.fullMethod,
        echoMethod.requestSerialize,
        echoMethod.responseDeserialize as (b: Buffer) => GrpcEchoResponse,
        {},
        md,
        { deadline: Date.now() + Math.max(1, o.deadlineMs) },
        (err: grpc.ServiceError | null, res?: GrpcEchoResponse) => {
          if (err) resolve({ code: err.code ?? grpc.status.UNKNOWN, details: err.details || err.message });
          else resolve({ code: grpc.status.OK, ...(res ? { response: res } : {}) });
        },
      );
    });
  } finally {
    client.close();
  }
}

/** Upstream grpc status names, by code. */
export function grpcCodeName(code: number): string {
  return grpc.status[code] ?? String(code);
}
