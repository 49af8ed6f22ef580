/**
 * Active health checking of one endpoint: probes it every `intervalMs` (the next probe starts
 * `intervalMs` after the previous one ended, so probes never pile up on a slow endpoint), and
 * turns unhealthy after `unhealthyThreshold` failed probes in a row, healthy again after
 * `healthyThreshold` successes in a row. It starts healthy (the endpoint is ready in the IR) and
 * probes at once. `onChange` is called on every change of state.
 */
import { endpointKey } from './endpoint-health.js';
import { probeEndpoint, type ActiveCheck, type ProbeResult } from './health-probe.js';

export interface HealthChange {
  /** "address:port" */
  endpoint: string;
  healthy: boolean;
  /** The last probe's failure, when unhealthy. */
  reason?: string;
}

export class ActiveHealthChecker {
  readonly endpoint: string;
  private healthyNow = true;
  private successes = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Probes run so far (tests, status). */
  probes = 0;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly check: ActiveCheck,
    private readonly onChange: (change: HealthChange) => void,
    private readonly probe: (address: string, port: number, check: ActiveCheck) => Promise<ProbeResult> = probeEndpoint,
  ) {
    this.endpoint = endpointKey(address, port);
  }

  get healthy(): boolean {
    return this.healthyNow;
  }

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => void this.run(), 0);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const r = await this.probe(this.address, this.port, this.check);
    if (this.stopped) return;
    this.probes++;
    this.record(r);
    this.timer = setTimeout(() => void this.run(), Math.max(1, this.check.intervalMs));
    this.timer.unref();
  }

  private record(r: ProbeResult): void {
    if (r.healthy) {
      this.failures = 0;
      this.successes++;
      if (!this.healthyNow && this.successes >= this.check.healthyThreshold) {
        this.healthyNow = true;
        this.onChange({ endpoint: this.endpoint, healthy: true });
      }
    } else {
      this.successes = 0;
      this.failures++;
      if (this.healthyNow && this.failures >= this.check.unhealthyThreshold) {
        this.healthyNow = false;
        this.onChange({ endpoint: this.endpoint, healthy: false, ...(r.reason !== undefined ? { reason: r.reason } : {}) });
      }
    }
  }
}
