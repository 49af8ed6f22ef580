import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The service's `.proto`, shipped in the package's `proto/` folder. This module sits two levels
 * below the package root both as source (`src/grpc/`) and as build output (`dist/grpc/`), so one
 * relative path serves both.
 */
export const GRPC_ECHO_PROTO_PATH = fileURLToPath(new URL('../../proto/grpcecho.proto', import.meta.url));

/** The fully qualified service name. */
export const GRPC_ECHO_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

/** Loads the service definition (field names kept as in the proto: `fully_qualified_method`, ...). */
export function loadGrpcEchoService(): grpc.ServiceDefinition {
  if (!existsSync(GRPC_ECHO_PROTO_PATH)) {
    throw new Error(`grpcecho.proto not found at ${GRPC_ECHO_PROTO_PATH}: the package's proto/ folder is missing`);
  }
  const definition = protoLoader.loadSync(GRPC_ECHO_PROTO_PATH, { keepCase: true, defaults: false, oneofs: true });
  const service = definition[GRPC_ECHO_SERVICE];
  if (!service || !('Echo' in service)) throw new Error(`${GRPC_ECHO_SERVICE} is missing from ${GRPC_ECHO_PROTO_PATH}`);
  return service as unknown as grpc.ServiceDefinition;
}

/** A client constructor for tests and tools. */
export function grpcEchoClientConstructor(): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(loadGrpcEchoService(), 'GrpcEcho');
}
