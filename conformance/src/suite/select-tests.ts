import { profilesForTest } from './profiles.js';
import type { ConformanceTest, Profile } from './types.js';

/** What the user asked for on the command line. */
export interface Selection {
  /** Profile names given with --profile; empty means every profile. */
  profiles: readonly string[];
  /** Test names given with --test; empty means every test. */
  tests: readonly string[];
}

/**
 * The tests to consider, in suite order: those named with --test (all when none), and, when
 * profiles were given, only those belonging to one of them. Unknown profile or test names are
 * errors, so a typo does not silently select nothing.
 */
export function selectTests(all: readonly ConformanceTest[], profiles: readonly Profile[], sel: Selection): { tests: ConformanceTest[]; profiles: Profile[] } {
  const known = new Map(profiles.map((p) => [p.name, p]));
  const unknownProfiles = sel.profiles.filter((p) => !known.has(p));
  if (unknownProfiles.length > 0) throw new Error(`unknown profile(s): ${unknownProfiles.join(', ')} (known: ${[...known.keys()].join(', ')})`);
  const names = new Set(all.map((t) => t.name));
  const unknownTests = sel.tests.filter((t) => !names.has(t));
  if (unknownTests.length > 0) throw new Error(`unknown test(s): ${unknownTests.join(', ')}`);
  const chosenProfiles = sel.profiles.length > 0 ? sel.profiles.map((p) => known.get(p)!) : [...profiles];
  const wanted = new Set(sel.tests);
  const tests = all.filter((t) => {
    if (wanted.size > 0 && !wanted.has(t.name)) return false;
    if (sel.profiles.length > 0 && profilesForTest(t, chosenProfiles).length === 0) return false;
    return true;
  });
  return { tests, profiles: chosenProfiles };
}

/**
 * Why a test is skipped before it runs, or undefined when it runs: a required feature Portway
 * does not support, or a Kubernetes-only assertion Portway cannot be asked about.
 */
export function skipReason(test: ConformanceTest, supported: ReadonlySet<string>): string | undefined {
  const missing = test.features.filter((f) => !supported.has(f));
  if (missing.length > 0) return `unsupported feature(s): ${missing.join(', ')}`;
  if (test.applicability === 'kubernetes-only') {
    const k8sChecks = test.statusChecks.filter((c) => c.check === 'GeneratedInfrastructureMetadata').map((c) => c.check);
    const what = k8sChecks.length > 0 ? ` (${[...new Set(k8sChecks)].join(', ')})` : '';
    return `kubernetes-only: the test inspects Kubernetes objects Portway does not create${what}`;
  }
  return undefined;
}
