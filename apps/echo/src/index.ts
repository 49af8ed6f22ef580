export { startEcho } from './start-echo.js';
export { EchoOptionsError } from './options.js';
export type { EchoMode, EchoOptions, EchoTlsOptions } from './options.js';
export type { EchoServer } from './running.js';
export type { LogSink } from './log.js';
export { ListenError } from './net-listen.js';
export { TlsConfigError } from './tls-accept.js';
export { GRPC_ECHO_PROTO_PATH, GRPC_ECHO_SERVICE, grpcEchoClientConstructor, loadGrpcEchoService } from './grpc/proto.js';
export type { EchoResponseMessage } from './grpc/echo-service.js';
