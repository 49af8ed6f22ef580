/**
 * Publishes the endpoints of the Services its cluster exports to the bus (`Bus.putEndpoints`),
 * under the cluster's own keys: at start, on every change of the cluster's objects, and again
 * every `refreshMs` with a new `at` — the refresh is the report's heartbeat: the hub treats a report
 * that was not refreshed for a while as stale (the spoke is gone or cut off) and drops its
 * endpoints. A Service that is no longer exported has its report removed.
 */
import type { Bus, EndpointReport } from '@portway/bus';
import type { Log } from '../log.js';
import { buildEndpointReports, type EndpointHealthView, type ExportProblem } from './endpoint-reports.js';
import type { ExportObject, ExportReader } from './export-reader.js';

export interface EndpointExporterOptions {
  cluster: string;
  reader: ExportReader;
  bus: Bus;
  log: Log;
  /** Period of the refresh (default 2 s); health changes seen by `health` are published at the latest then. */
  refreshMs?: number;
  health?: EndpointHealthView;
  now?: () => number;
}

export class EndpointExporter {
  private objects: readonly ExportObject[] = [];
  /** What the bus holds, by "namespace/service" (content without `at`). */
  private published = new Map<string, string>();
  private problems: ExportProblem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: EndpointExporterOptions) {}

  async start(): Promise<void> {
    await this.options.reader.start((state) => {
      this.objects = state.objects;
      this.sync(false);
    });
    const every = this.options.refreshMs ?? 2_000;
    this.timer = setInterval(() => this.sync(true), every);
    this.timer.unref();
    await this.chain;
  }

  /** Builds the reports again now (the health view changed) and publishes what changed. */
  resync(): void {
    this.sync(false);
  }

  /** Resolves once every publish queued so far is done. */
  flushed(): Promise<void> {
    return this.chain;
  }

  private sync(refresh: boolean): void {
    if (this.stopped) return;
    const { reports, problems } = buildEndpointReports(this.options.cluster, this.objects, this.options.health);
    for (const p of problems) if (!this.problems.some((q) => q.message === p.message)) this.options.log.warn({ export: `${p.namespace}/${p.name}`, reason: p.reason }, p.message);
    this.problems = problems;
    const now = this.options.now ?? Date.now;
    this.chain = this.chain.then(async () => {
      for (const [k, content] of reports) {
        const text = JSON.stringify(content);
        if (!refresh && this.published.get(k) === text) continue;
        const report: EndpointReport = { ...content, at: now() };
        try {
          await this.options.bus.putEndpoints({ cluster: content.cluster, namespace: content.namespace, service: content.service }, report);
          if (this.published.get(k) !== text) this.options.log.info({ service: k, endpoints: content.endpoints.length }, 'endpoints exported');
          this.published.set(k, text);
        } catch (e) {
          // The next refresh tries again (the bus may be cut off from the hub).
          this.published.delete(k);
          this.options.log.debug({ err: e, service: k }, 'could not publish endpoints');
        }
      }
      for (const k of [...this.published.keys()]) {
        if (reports.has(k)) continue;
        const [namespace, service] = k.split('/') as [string, string];
        try {
          await this.options.bus.putEndpoints({ cluster: this.options.cluster, namespace, service }, null);
          this.published.delete(k);
          this.options.log.info({ service: k }, 'export withdrawn');
        } catch (e) {
          this.options.log.debug({ err: e, service: k }, 'could not withdraw endpoints');
        }
      }
    });
  }

  /** Stops refreshing. Reports stay on the bus (a restarting agent should not make its cluster vanish); they go stale at the hub. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.options.reader.stop();
    await this.chain;
  }
}
