export { NatsBus, type NatsBusOptions, type NatsBusStats, type ConfigRevision } from './nats-bus.js';
export { BusService, NatsBusLive, natsBusScoped } from './nats-bus-layer.js';
export { type NatsConnectOptions, type NatsTlsOptions, type ConnectionStatus } from './connection.js';
export { NatsConnectError, BusOperationError, BusDataError } from './errors.js';
export {
  CONFIG_BUCKET,
  ENDPOINTS_BUCKET,
  CONFIG_STREAM,
  ENDPOINTS_STREAM,
  ACK_SUBJECT,
  HEARTBEAT_SUBJECT,
  agentInboxPrefix,
  encodeToken,
  decodeToken,
  manifestKey,
  pinKey,
  shardKey,
  endpointsKey,
  ackSubject,
  heartbeatSubject,
  type EndpointKey,
} from './keys.js';
export { portwayNatsServerConfig, hubPermissions, agentPermissions, type PortwayNatsServerOptions, type NatsUser, type NatsPermissions, type LeafnodeListenerOptions } from './server-config.js';
export { portwaySpokeNatsServerConfig, DEFAULT_HUB_DOMAIN, type SpokeNatsServerOptions } from './leafnode-config.js';
