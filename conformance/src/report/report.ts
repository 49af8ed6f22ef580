import type { TestResult } from '../runner/test-result.js';
import { extendedFeatureSupport, isExtendedFor, profilesForTest } from '../suite/profiles.js';
import type { ConformanceTest, Profile } from '../suite/types.js';

/** "success" | "partial" | "failure", as upstream's confv1.Result. */
export type ResultValue = 'success' | 'partial' | 'failure';

export interface Statistics {
  Passed: number;
  Failed: number;
  Skipped: number;
}

export interface Status {
  result: ResultValue;
  statistics: Statistics;
  failedTests: string[];
  skippedTests: string[];
}

export interface ExtendedStatus extends Status {
  supportedFeatures: string[];
  unsupportedFeatures: string[];
}

/** One profile's part of the report (upstream ProfileReport, plus the skip reasons). */
export interface ProfileReport {
  name: string;
  summary: string;
  core: Status;
  /** Always present (upstream leaves it out when no extended test ran). */
  extended: ExtendedStatus;
  skipReasons: Record<string, string>;
}

/** Upstream's ConformanceReport (conformance/apis/v1), plus a run summary and the skip reasons. */
export interface ConformanceReport {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'ConformanceReport';
  date: string;
  gatewayAPIVersion: string;
  gatewayAPIChannel: string;
  implementation: { organization: string; project: string; url: string; version: string; contact: string[] };
  mode: string;
  profiles: ProfileReport[];
  skipReasons: Record<string, string>;
  summary: { passed: number; failed: number; skipped: number };
}

export interface ReportInput {
  date: Date;
  gatewayAPIVersion: string;
  gatewayAPIChannel: string;
  implementation: ConformanceReport['implementation'];
  mode: string;
  /** The profiles selected for the run, in the order to report them. */
  profiles: readonly Profile[];
  tests: readonly ConformanceTest[];
  results: readonly TestResult[];
  supported: ReadonlySet<string>;
}

/**
 * Builds the report the upstream way: a test counts in every selected profile whose core and
 * extended features cover all its features, as core when all its features are in the profile's
 * core set and as extended otherwise; a level fails when a test failed, is partial when one was
 * skipped, succeeds otherwise. Profiles without any test are left out, as upstream does; the
 * extended level is always written (with zero counts when no extended test ran).
 */
export function buildReport(input: ReportInput): ConformanceReport {
  const byName = new Map(input.tests.map((t) => [t.name, t]));
  const profiles: ProfileReport[] = [];
  for (const p of input.profiles) {
    const core = emptyStatus();
    const support = extendedFeatureSupport(p, input.supported);
    const extended: ExtendedStatus = { ...emptyStatus(), supportedFeatures: support.supported, unsupportedFeatures: support.unsupported };
    const skipReasons: Record<string, string> = {};
    let counted = 0;
    for (const r of input.results) {
      const t = byName.get(r.name);
      if (!t || profilesForTest(t, [p]).length === 0) continue;
      add(isExtendedFor(t, p) ? extended : core, r);
      counted++;
      if (r.result === 'skipped' && r.skipReason) skipReasons[r.name] = r.skipReason;
    }
    if (counted === 0) continue;
    finish(core);
    finish(extended);
    profiles.push({ name: p.name, summary: summaryOf(core, extended), core, extended, skipReasons });
  }
  const skipReasons: Record<string, string> = {};
  for (const r of input.results) if (r.result === 'skipped' && r.skipReason) skipReasons[r.name] = r.skipReason;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ConformanceReport',
    date: input.date.toISOString(),
    gatewayAPIVersion: input.gatewayAPIVersion,
    gatewayAPIChannel: input.gatewayAPIChannel,
    implementation: input.implementation,
    mode: input.mode,
    profiles,
    skipReasons,
    summary: {
      passed: input.results.filter((r) => r.result === 'passed').length,
      failed: input.results.filter((r) => r.result === 'failed').length,
      skipped: input.results.filter((r) => r.result === 'skipped').length,
    },
  };
}

/** One line per profile and level: "GATEWAY-HTTP core: 30 passed, 0 failed, 0 skipped". */
export function reportLines(report: ConformanceReport): string[] {
  const line = (name: string, level: string, s: Status) => `${name} ${level}: ${s.statistics.Passed} passed, ${s.statistics.Failed} failed, ${s.statistics.Skipped} skipped`;
  return report.profiles.flatMap((p) => [line(p.name, 'core', p.core), line(p.name, 'extended', p.extended)]);
}

function emptyStatus(): Status {
  return { result: 'success', statistics: { Passed: 0, Failed: 0, Skipped: 0 }, failedTests: [], skippedTests: [] };
}

function add(s: Status, r: TestResult): void {
  if (r.result === 'passed') s.statistics.Passed++;
  else if (r.result === 'failed') {
    s.statistics.Failed++;
    s.failedTests.push(r.name);
  } else {
    s.statistics.Skipped++;
    s.skippedTests.push(r.name);
  }
}

function finish(s: Status): void {
  s.result = s.statistics.Failed > 0 ? 'failure' : s.statistics.Skipped > 0 ? 'partial' : 'success';
}

/** Upstream buildSummary (the extended part only when extended tests were counted, as upstream). */
function summaryOf(core: Status, extended: Status): string {
  const one = (s: Status) => (s.result === 'success' ? 'succeeded' : s.result === 'partial' ? `partially succeeded with ${s.statistics.Skipped} test skips` : `failed with ${s.statistics.Failed} test failures`);
  const hasExtended = extended.statistics.Passed + extended.statistics.Failed + extended.statistics.Skipped > 0;
  return `Core tests ${one(core)}${hasExtended ? `. Extended tests ${one(extended)}` : ''}.`;
}
