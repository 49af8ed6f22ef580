import type { ConformanceTest, Profile } from './types.js';

/**
 * The profiles a test belongs to: every profile whose core and extended feature sets together
 * contain all the features the test requires (upstream `getConformanceProfilesForTest`).
 */
export function profilesForTest(test: Pick<ConformanceTest, 'features'>, profiles: readonly Profile[]): Profile[] {
  return profiles.filter((p) => {
    const all = new Set([...p.core, ...p.extended]);
    return test.features.every((f) => all.has(f));
  });
}

/**
 * Whether a test counts as extended for a profile: any of its features is outside the profile's
 * core set (upstream `isTestExtended`). Otherwise it counts as core.
 */
export function isExtendedFor(test: Pick<ConformanceTest, 'features'>, profile: Profile): boolean {
  const core = new Set(profile.core);
  return test.features.some((f) => !core.has(f));
}

/** The extended features of a profile that are / are not in `supported`, each sorted. */
export function extendedFeatureSupport(profile: Profile, supported: ReadonlySet<string>): { supported: string[]; unsupported: string[] } {
  const ext = [...new Set(profile.extended)].sort();
  return { supported: ext.filter((f) => supported.has(f)), unsupported: ext.filter((f) => !supported.has(f)) };
}
