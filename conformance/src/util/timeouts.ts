/** The upstream suite's default timeouts (conformance/utils/config/timeout.go), in ms. */
export const DEFAULT_TIMEOUTS = {
  RequestTimeout: 10_000,
  MaxTimeToConsistency: 30_000,
  GatewayMustHaveAddress: 180_000,
  GatewayMustHaveCondition: 180_000,
  GatewayStatusMustHaveListeners: 60_000,
  GatewayListenersMustHaveConditions: 60_000,
  ListenerSetMustHaveCondition: 180_000,
  ListenerSetListenersMustHaveConditions: 60_000,
  GWCMustBeAccepted: 180_000,
  HTTPRouteMustNotHaveParents: 60_000,
  RouteMustHaveCondition: 60_000,
  RouteMustHaveParents: 60_000,
  NamespacesMustBeReady: 300_000,
  LatestObservedGenerationSet: 60_000,
  DefaultTestTimeout: 60_000,
  CreateTimeout: 60_000,
  DeleteTimeout: 10_000,
} as const;

export type TimeoutName = keyof typeof DEFAULT_TIMEOUTS;

/** Upstream poll interval for status (ms). */
export const DEFAULT_POLL_INTERVAL = 100;
/** Upstream RequiredConsecutiveSuccesses. */
export const REQUIRED_CONSECUTIVE_SUCCESSES = 3;

/** Timeouts multiplied by `--timeout-scale`. */
export class Timeouts {
  constructor(readonly scale = 1) {
    if (!(scale > 0)) throw new Error(`timeout scale must be a positive number, got ${scale}`);
  }

  ms(name: TimeoutName): number {
    return Math.round(DEFAULT_TIMEOUTS[name] * this.scale);
  }

  /** Scales a duration given in seconds by the data (e.g. a case's `timeoutSeconds`). */
  seconds(s: number): number {
    return Math.round(s * 1000 * this.scale);
  }
}
