/**
 * A backend's retry budget (XBackendTrafficPolicy `retryConstraint`): over a window of
 * `intervalMs`, retries may be at most `percent` % of the requests sent to the backend; besides
 * that, `minRetries` retries per `minRetryIntervalMs` are always allowed. Windows are tumbling
 * (counters reset when the window elapses), which is cheap and close enough for a cap.
 */
import type { RetryBudget as RetryBudgetConfig } from '@portway/ir';

export class RetryBudget {
  private windowStart = 0;
  private requests = 0;
  private retries = 0;
  private minWindowStart = 0;
  private minRetriesUsed = 0;

  constructor(private readonly cfg: RetryBudgetConfig) {}

  /** Counts a first try. */
  onRequest(now: number): void {
    this.roll(now);
    this.requests++;
  }

  /** Asks for one retry; counts it when granted. */
  tryAcquire(now: number): boolean {
    this.roll(now);
    if (now - this.minWindowStart >= Math.max(1, this.cfg.minRetryIntervalMs)) {
      this.minWindowStart = now;
      this.minRetriesUsed = 0;
    }
    if (this.minRetriesUsed < this.cfg.minRetries) {
      this.minRetriesUsed++;
      this.retries++;
      return true;
    }
    if ((this.retries + 1) * 100 <= this.cfg.percent * this.requests) {
      this.retries++;
      return true;
    }
    return false;
  }

  private roll(now: number): void {
    if (now - this.windowStart >= Math.max(1, this.cfg.intervalMs)) {
      this.windowStart = now;
      this.requests = 0;
      this.retries = 0;
    }
  }
}
