import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import { loadSuite } from './load-suite.js';
import { extendedFeatureSupport, isExtendedFor, profilesForTest } from './profiles.js';
import { selectTests, skipReason } from './select-tests.js';

const suite = await loadSuite(SUITE_DIR);
const profile = (name: string) => suite.profiles.find((p) => p.name === name)!;
const test = (name: string) => suite.tests.find((t) => t.name === name)!;

describe('profile membership', () => {
  it('matches the profiles the suite data lists for every test', () => {
    expect(suite.tests.length).toBeGreaterThan(100);
    for (const t of suite.tests) {
      expect(profilesForTest(t, suite.profiles).map((p) => p.name).sort(), t.name).toEqual([...(t.profiles ?? [])].sort());
    }
  });

  it('puts a test in no profile when no single profile covers its features', () => {
    expect(profilesForTest(test('GRPCRouteNamedRule'), suite.profiles)).toEqual([]);
    expect(profilesForTest(test('HTTPRouteDisallowedKind'), suite.profiles)).toEqual([]);
  });
});

describe('core or extended', () => {
  it('is core when every feature is in the core set', () => {
    expect(isExtendedFor(test('HTTPRouteSimpleSameNamespace'), profile('GATEWAY-HTTP'))).toBe(false);
    expect(isExtendedFor(test('GatewayClassObservedGenerationBump'), profile('GATEWAY-TCP'))).toBe(false);
    expect(isExtendedFor(test('TCPRouteWeightedRouting'), profile('GATEWAY-TCP'))).toBe(false);
  });

  it('is extended when any feature is outside the core set', () => {
    expect(isExtendedFor(test('HTTPRouteMethodMatching'), profile('GATEWAY-HTTP'))).toBe(true);
    expect(isExtendedFor(test('GatewayInfrastructure'), profile('GATEWAY-TCP'))).toBe(true);
  });

  it('splits a profile extended features into supported and unsupported', () => {
    const s = extendedFeatureSupport(profile('GATEWAY-HTTP'), new Set(['HTTPRouteMethodMatching', 'Gateway']));
    expect(s.supported).toEqual(['HTTPRouteMethodMatching']);
    expect(s.unsupported).toContain('HTTPRouteCORS');
    expect(s.unsupported).not.toContain('HTTPRouteMethodMatching');
  });
});

describe('selection and skips', () => {
  it('selects by profile and by name, and rejects unknown names', () => {
    const tcp = selectTests(suite.tests, suite.profiles, { profiles: ['GATEWAY-TCP'], tests: [] });
    expect(tcp.tests.every((t) => (t.profiles ?? []).includes('GATEWAY-TCP'))).toBe(true);
    expect(tcp.tests.map((t) => t.name)).toContain('TCPRouteWeightedRouting');
    expect(selectTests(suite.tests, suite.profiles, { profiles: [], tests: ['HTTPRouteWeight'] }).tests.map((t) => t.name)).toEqual(['HTTPRouteWeight']);
    expect(() => selectTests(suite.tests, suite.profiles, { profiles: ['NOPE'], tests: [] })).toThrow(/unknown profile/);
    expect(() => selectTests(suite.tests, suite.profiles, { profiles: [], tests: ['Nope'] })).toThrow(/unknown test/);
  });

  it('skips for unsupported features, then for Kubernetes-only assertions', () => {
    expect(skipReason(test('HTTPRouteMethodMatching'), new Set(['Gateway', 'HTTPRoute']))).toBe('unsupported feature(s): HTTPRouteMethodMatching');
    expect(skipReason(test('HTTPRouteSimpleSameNamespace'), new Set(['Gateway', 'HTTPRoute']))).toBeUndefined();
    expect(skipReason(test('GatewayInfrastructure'), new Set(['Gateway', 'GatewayInfrastructurePropagation']))).toMatch(/^kubernetes-only: .*GeneratedInfrastructureMetadata/);
  });
});
