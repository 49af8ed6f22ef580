/**
 * The controller's source with the ClusterSet view added: wraps the provider's `ResourceSource`,
 * follows the endpoint reports on the bus, and hands the controller the provider's objects plus
 * the view's EndpointSlices and derived ServiceImports (`buildClusterSetView`). A new state is
 * handed over when the provider's objects change, when a report changes what the view holds, and
 * when a report goes stale (checked every `staleAfterMs / 4`); a report refresh that changes nothing
 * but its time hands over nothing. Objects that did not change keep their identity from one state
 * to the next, so the graph builder reuses the routes that read them.
 */
import type { AnyObject, ServiceImport } from '@portway/api';
import type { Bus, Unsubscribe } from '@portway/bus';
import { canonicalText } from '@portway/ir';
import type { ResourceSource, SourceState } from '@portway/provider-file';
import type { StatusUpdate } from '@portway/status';
import type { Log } from '../log.js';
import { buildClusterSetView, type ClusterSetView, type ExportState, type ReceivedReport } from './clusterset-view.js';

export interface ClusterSetSourceOptions {
  inner: ResourceSource;
  bus: Bus;
  log: Log;
  /** Create ServiceImports from exports where the source has none (no MCS implementation runs). */
  deriveServiceImports?: boolean;
  /** A report not received again for this long is stale (default 6 s: three refreshes of the agents' default 2 s). */
  staleAfterMs?: number;
  now?: () => number;
}

export class ClusterSetSource implements ResourceSource {
  private readonly reports = new Map<string, ReceivedReport>();
  /** When the hub last heard any report (hub clock). */
  private lastHeard = 0;
  private inner: SourceState | undefined;
  private view: ClusterSetView = { slices: [], derivedImports: [], exports: [], importStatus: new Map() };
  /** Last handed-over object per identity, with its canonical JSON. */
  private memo = new Map<string, { json: string; object: AnyObject }>();
  private lastViewJson = '';
  private onChange: ((state: SourceState) => void) | undefined;
  private unsubscribe: Unsubscribe | undefined;
  private timer: NodeJS.Timeout | undefined;
  private version = 0;
  private readonly now: () => number;
  private readonly staleAfterMs: number;

  constructor(private readonly options: ClusterSetSourceOptions) {
    this.now = options.now ?? Date.now;
    this.staleAfterMs = options.staleAfterMs ?? 6_000;
  }

  async start(onChange: (state: SourceState) => void): Promise<void> {
    this.onChange = onChange;
    this.unsubscribe = this.options.bus.watchEndpoints(({ key, report }) => {
      const k = `${key.cluster}\u0000${key.namespace}/${key.service}`;
      // Only a new report (a new `at`) counts as fresh: a value the bus delivers again (a watch
      // recreated after a reconnect) says nothing about the cluster being alive now.
      const previous = this.reports.get(k);
      const now = this.now();
      // The hub heard nothing from anyone for a while: its own link was down (a restart, a
      // partition), not every cluster at once. Everyone starts afresh rather than going stale.
      if (report && now - this.lastHeard > this.staleAfterMs) for (const [key, r] of this.reports) this.reports.set(key, { ...r, receivedAt: now });
      if (report) this.lastHeard = now;
      if (report) {
        // An export keeps the earliest time it was reported with: an agent that restarts (and, in
        // file mode, sees its ServiceExport "first" again) does not lose a conflict it had won.
        const exportedAt = previous && previous.report.exportedAt < report.exportedAt ? previous.report.exportedAt : report.exportedAt;
        const kept = this.reports.get(k);
        this.reports.set(k, { report: exportedAt === report.exportedAt ? report : { ...report, exportedAt }, receivedAt: kept && kept.report.at === report.at ? kept.receivedAt : now });
      }
      else this.reports.delete(k);
      this.refresh();
    });
    this.timer = setInterval(() => this.refresh(), Math.max(100, Math.floor(this.staleAfterMs / 4)));
    this.timer.unref();
    await this.options.inner.start((state) => {
      this.inner = state;
      this.refresh(true);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.options.inner.stop();
    this.onChange = undefined;
  }

  /** Every cluster's exports with their conditions (admin API `/clusterset`). */
  exports(): readonly ExportState[] {
    return this.view.exports;
  }

  /** The ServiceImports' statuses, for the status store (`status.clusters` and `Ready`). */
  statusUpdates(): StatusUpdate[] {
    return [...this.view.importStatus].map(([k, s]) => {
      const i = k.indexOf('/');
      return { kind: 'ServiceImport', namespace: k.slice(0, i), name: k.slice(i + 1), status: { clusters: s.clusters, conditions: s.conditions } };
    });
  }

  /** What the admin API shows: exports, imports with status, and the reports' ages. */
  describe(): { exports: readonly ExportState[]; imports: StatusUpdate[]; derived: string[] } {
    return {
      exports: this.view.exports,
      imports: this.statusUpdates(),
      derived: this.view.derivedImports.map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
    };
  }

  private refresh(innerChanged = false): void {
    const inner = this.inner;
    if (!inner || !this.onChange) return;
    const imports = inner.objects.filter((o): o is ServiceImport => o.kind === 'ServiceImport');
    // Reports age only while the hub hears reports at all (agents refresh well within half the
    // limit): when it hears none, its own link is down and the last view holds.
    const now = Math.min(this.now(), this.lastHeard + this.staleAfterMs / 2);
    this.view = buildClusterSetView({
      reports: [...this.reports.values()],
      imports,
      deriveServiceImports: this.options.deriveServiceImports ?? false,
      now,
      staleAfterMs: this.staleAfterMs,
    });
    const added = [...this.view.slices, ...this.view.derivedImports] as AnyObject[];
    // Conditions carry ages in their messages: the objects and the set of exports decide a change.
    // Each object is serialized once: its text serves both the view's and the object's comparison
    // (canonical JSON has no raw newline, so the joined text tells the same views apart).
    const jsons = added.map((o) => canonicalText(o));
    const exportsJson = canonicalText(this.view.exports.map((e) => [e.cluster, e.namespace, e.name, e.stale, e.conditions.map((c) => `${c.type}/${c.status}/${c.reason}`)]));
    const viewJson = [...jsons, exportsJson].join('\n');
    if (!innerChanged && viewJson === this.lastViewJson) return;
    this.lastViewJson = viewJson;
    const memo = new Map<string, { json: string; object: AnyObject }>();
    const objects = added.map((o, i) => {
      const id = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      const json = jsons[i]!;
      const previous = this.memo.get(id);
      const object = previous && previous.json === json ? previous.object : o;
      memo.set(id, { json, object });
      return object;
    });
    this.memo = memo;
    this.version++;
    this.onChange({ objects: [...inner.objects, ...objects], errors: inner.errors, version: inner.version * 1_000_000 + this.version });
  }
}
