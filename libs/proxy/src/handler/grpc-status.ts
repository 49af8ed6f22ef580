/**
 * gRPC status codes of the errors the gateway generates for gRPC requests (sent as a
 * trailers-only response: HTTP 200, `content-type: application/grpc`, `grpc-status`).
 *
 * no route → 12 UNIMPLEMENTED; no backend / no ready endpoint / connection error → 14
 * UNAVAILABLE; invalid backend (directResponse 500, null or zero-weight backends) → 13 INTERNAL;
 * timeouts → 4 DEADLINE_EXCEEDED; 421 → 14 UNAVAILABLE (the client should reconnect).
 */
export const GrpcStatus = {
  DEADLINE_EXCEEDED: 4,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  PERMISSION_DENIED: 7,
  UNKNOWN: 2,
} as const;

export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 500:
      return GrpcStatus.INTERNAL;
    case 502:
    case 503:
    case 421:
      return GrpcStatus.UNAVAILABLE;
    case 504:
      return GrpcStatus.DEADLINE_EXCEEDED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** `content-type: application/grpc`, `application/grpc+proto`, `application/grpc-web...`. */
export function isGrpcContentType(ct: string | undefined): boolean {
  return ct !== undefined && ct.startsWith('application/grpc');
}
