import type { GatewayConfig } from '@portway/ir';

/** Identifies one Gateway's config for one cluster. */
export interface ConfigKey {
  cluster: string;
  namespace: string;
  name: string;
}

/** A config as stored on the bus. */
export interface ConfigEntry {
  key: ConfigKey;
  /** The bus's own counter for this key: it increases on every publish that changed the content. Not `metadata.generation`. */
  revision: number;
  /** `configHash` of `config` (@portway/ir: a sha256 hash tree over its virtual hosts and backends). */
  hash: string;
  config: GatewayConfig;
}

/** What an agent reports after trying to apply a config revision. */
export interface Ack {
  agent: string;
  cluster: string;
  gateway: { namespace: string; name: string };
  revision: number;
  hash: string;
  /** false: the config was refused (invalid, or a listener could not be bound) and the previous one keeps serving. */
  ok: boolean;
  /** Listener names serving this revision. */
  listenersBound: string[];
  /** Per-listener bind failures and validation errors, for the Gateway's conditions. */
  errors: AckError[];
}

export interface AckError {
  /** Listener name, or absent for config-wide errors. */
  listener?: string;
  /** Machine-readable cause: "Invalid", "AddressNotUsable", "PortUnavailable", ... */
  reason: string;
  message: string;
}

export interface Heartbeat {
  agent: string;
  cluster: string;
  /** Milliseconds since the epoch, on the agent's clock. */
  at: number;
  /** Revisions the agent serves, per gateway "namespace/name". */
  serving: Record<string, { revision: number; hash: string }>;
  /** False until the agent has applied every config present on the bus when it started. */
  ready: boolean;
  /** Addresses the agent binds for configs that list none (its `--address`): what clients reach it at. */
  addresses?: string[];
  /**
   * The latest outcome per gateway "namespace/name" (what the last ack said), repeated in every
   * heartbeat: acks are not stored, so a controller that was away (restarted, disconnected)
   * rebuilds Programmed from these.
   */
  outcomes?: Record<string, HeartbeatOutcome>;
  /** The agent is shutting down: stop waiting for it at once. */
  stopping?: boolean;
}

/** One gateway's latest apply outcome, as an agent repeats it in its heartbeats (an `Ack` without its sender). */
export interface HeartbeatOutcome {
  revision: number;
  hash: string;
  ok: boolean;
  listenersBound: string[];
  errors: AckError[];
}

/** Options of `Bus.watchConfigs`. */
export interface WatchConfigsOptions {
  /**
   * Called once every config present when the watch started has been handed to the handler
   * (immediately after the initial state when there is none). An agent reports ready after it.
   */
  onSynced?: () => void;
}

/**
 * A rollback hold on one gateway's config (`portway rollback`): the config that `revision` held is
 * published again, and the controller does not overwrite it while the config it builds for the
 * gateway still has `supersededHash` (the content the rollback replaced). Once the gateway's own
 * configuration changes, the controller publishes its build and removes the hold.
 */
export interface ConfigPin {
  key: ConfigKey;
  /** The revision whose config was restored. */
  restoredRevision: number;
  /** Content hash of the restored config. */
  hash: string;
  /** Content hash of the config the rollback replaced (the controller's build at that time). */
  supersededHash: string;
  /** RFC 3339 time of the rollback. */
  at: string;
}

/** Rollback holds, stored next to the configs (the NATS bus implements it). */
export interface ConfigPinStore {
  putPin(pin: ConfigPin): Promise<void>;
  deletePin(key: ConfigKey): Promise<void>;
  /** Every hold (of one cluster, or of all). */
  listPins(cluster?: string): Promise<ConfigPin[]>;
}

/** Endpoints of one exported Service in one cluster, with their health, as an agent reports them. */
export interface EndpointReport {
  cluster: string;
  namespace: string;
  /** Service name (the MCS `multicluster.kubernetes.io/service-name`). */
  service: string;
  /** Milliseconds since the epoch, on the reporting agent's clock. */
  at: number;
  /**
   * The Service's ports. `targetPort`: the port its endpoints listen on for it (from the cluster's
   * EndpointSlices), when they have one.
   */
  ports: { name?: string; port: number; protocol: string; appProtocol?: string; targetPort?: number }[];
  endpoints: { address: string; ready: boolean; healthy: boolean; zone?: string }[];
  /** When the export was first seen (conflict resolution: the oldest export wins). */
  exportedAt: string;
  /** The MCS import type the export asks for: "ClusterSetIP" (default) or "Headless" (a Service with `clusterIP: None`). */
  type?: string;
}

export type Unsubscribe = () => void;

/**
 * The bus between the controller and its agents. Two implementations: in-process (standalone
 * mode) and NATS JetStream. Watchers first receive the current state, then changes.
 */
export interface Bus {
  // ── controller side ──
  /** Stores a config unless its hash equals the stored one. Resolves with the stored entry (new or unchanged). */
  putConfig(key: ConfigKey, config: GatewayConfig): Promise<ConfigEntry & { changed: boolean }>;
  deleteConfig(key: ConfigKey): Promise<void>;
  /** Current entries (for a controller restart: no republish of what is unchanged). */
  listConfigs(cluster?: string): Promise<ConfigEntry[]>;
  onAck(handler: (ack: Ack) => void): Unsubscribe;
  onHeartbeat(handler: (hb: Heartbeat) => void): Unsubscribe;

  // ── agent side ──
  /**
   * Calls `handler` with every entry of the cluster, then with each change (`entry` null on
   * deletion); `options.onSynced` once the entries present at the start were handed over.
   */
  watchConfigs(cluster: string, handler: (change: { key: ConfigKey; entry: ConfigEntry | null }) => void, options?: WatchConfigsOptions): Unsubscribe;
  publishAck(ack: Ack): Promise<void>;
  publishHeartbeat(hb: Heartbeat): Promise<void>;

  // ── endpoints (multi-cluster) ──
  /** An agent publishes its cluster's endpoints of one exported Service (null: no longer exported). */
  putEndpoints(key: { cluster: string; namespace: string; service: string }, report: EndpointReport | null): Promise<void>;
  /** Calls `handler` with every current report, then with each change (`report` null on removal). */
  watchEndpoints(handler: (change: { key: { cluster: string; namespace: string; service: string }; report: EndpointReport | null }) => void): Unsubscribe;

  close(): Promise<void>;
}
