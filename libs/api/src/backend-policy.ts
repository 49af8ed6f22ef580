/**
 * Portway's own BackendPolicy (`portway.dev/v1alpha1`): per-cluster weights, a failover order,
 * active health checks and passive outlier detection for the Services and ServiceImports it
 * targets. The schema (with its defaults and CEL rules) is `deploy/crds/portway.dev_backendpolicies.yaml`,
 * embedded in `crd-schemas/` like the upstream CRDs; this is the body's type after admission
 * (defaults applied).
 */

/** API group of Portway's own kinds. */
export const PORTWAY_GROUP = 'portway.dev';

/** One target: a Service (`group: ""`) or a ServiceImport (`group: multicluster.x-k8s.io`), in the policy's namespace. */
export interface BackendPolicyTargetRef {
  group: string;
  kind: string;
  name: string;
}

export interface BackendPolicyActiveCheck {
  /** HTTP: a GET of `http.path`, healthy on an expected status; TCP: a connection opens. */
  type: 'HTTP' | 'TCP';
  http?: {
    /** Default "/". */
    path?: string;
    /** Absent or empty: 200–399. */
    expectedStatuses?: number[];
  };
  /** Gateway API Duration; default 5s. */
  interval?: string;
  /** Default 1s. */
  timeout?: string;
  /** Default 2. */
  healthyThreshold?: number;
  /** Default 2. */
  unhealthyThreshold?: number;
}

export interface BackendPolicyPassiveCheck {
  /** 5xx answers, connection errors or timeouts in a row that eject an endpoint; default 5. */
  consecutiveErrors?: number;
  /** Ejection time × number of ejections; default 30s. */
  baseEjectionTime?: string;
  /** Default 50. */
  maxEjectionPercent?: number;
}

export interface BackendPolicyBody {
  spec: {
    targetRefs: BackendPolicyTargetRef[];
    /** Overrides the ServiceImport's `spec.trafficDistribution`; not with `clusters`. */
    trafficDistribution?: 'Spread' | 'PreferClose';
    /** Explicit per-cluster weights (mode Weighted). */
    clusters?: { name: string; weight: number }[];
    /** Clusters in failover priority order. */
    failover?: string[];
    healthCheck?: {
      active?: BackendPolicyActiveCheck;
      passive?: BackendPolicyPassiveCheck;
    };
  };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string; observedGeneration?: number }[];
    ancestors?: unknown[];
  };
}
