import { describe, expect, it } from 'vitest';
import { SUITE_DIR } from '../../test/helpers/suite-dir.js';
import type { TestResult } from '../runner/test-result.js';
import { loadSuite } from '../suite/load-suite.js';
import { buildReport, reportLines } from './report.js';

const suite = await loadSuite(SUITE_DIR);
const result = (name: string, r: TestResult['result'], skipReason?: string): TestResult => ({ name, result: r, failures: r === 'failed' ? ['x'] : [], notes: [], durationMs: 1, ...(skipReason ? { skipReason } : {}) });

describe('buildReport', () => {
  const results = [
    result('HTTPRouteSimpleSameNamespace', 'passed'),
    result('HTTPRouteExactPathMatching', 'failed'),
    result('HTTPRouteMethodMatching', 'skipped', 'unsupported feature(s): HTTPRouteMethodMatching'),
    result('GatewayClassObservedGenerationBump', 'passed'),
    result('TCPRouteWeightedRouting', 'skipped', 'unsupported feature(s): TCPRoute'),
    result('GRPCRouteNamedRule', 'skipped', 'unsupported feature(s): GRPCRoute, GRPCRouteNamedRouteRule'),
  ];
  const report = buildReport({
    date: new Date('2026-01-02T03:04:05Z'),
    gatewayAPIVersion: 'v1.6.1',
    gatewayAPIChannel: 'standard',
    implementation: { organization: 'portway.dev', project: 'portway', url: 'https://portway.dev', version: '0.1.0', contact: [] },
    mode: 'standalone',
    profiles: suite.profiles,
    tests: suite.tests,
    results,
    supported: new Set(['Gateway', 'HTTPRoute', 'ReferenceGrant']),
  });

  it('has the upstream ConformanceReport shape', () => {
    expect(report).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ConformanceReport', date: '2026-01-02T03:04:05.000Z', gatewayAPIVersion: 'v1.6.1', mode: 'standalone' });
    expect(report.implementation.organization).toBe('portway.dev');
    expect(report.summary).toEqual({ passed: 2, failed: 1, skipped: 3 });
    expect(report.skipReasons['GRPCRouteNamedRule']).toMatch(/unsupported/);
  });

  it('counts each test as core or extended in every profile it belongs to', () => {
    const http = report.profiles.find((p) => p.name === 'GATEWAY-HTTP')!;
    expect(http.core).toEqual({ result: 'failure', statistics: { Passed: 2, Failed: 1, Skipped: 0 }, failedTests: ['HTTPRouteExactPathMatching'], skippedTests: [] });
    expect(http.extended).toMatchObject({ result: 'partial', statistics: { Passed: 0, Failed: 0, Skipped: 1 }, skippedTests: ['HTTPRouteMethodMatching'], supportedFeatures: [] });
    expect(http.extended!.unsupportedFeatures).toContain('HTTPRouteMethodMatching');
    expect(http.summary).toBe('Core tests failed with 1 test failures. Extended tests partially succeeded with 1 test skips.');
    expect(http.skipReasons).toEqual({ HTTPRouteMethodMatching: 'unsupported feature(s): HTTPRouteMethodMatching' });
    const tcp = report.profiles.find((p) => p.name === 'GATEWAY-TCP')!;
    // GatewayClassObservedGenerationBump needs only Gateway: core in every Gateway profile.
    expect(tcp.core).toMatchObject({ result: 'partial', statistics: { Passed: 1, Failed: 0, Skipped: 1 } });
    expect(tcp.extended).toMatchObject({ result: 'success', statistics: { Passed: 0, Failed: 0, Skipped: 0 } });
    expect(tcp.summary).toBe('Core tests partially succeeded with 1 test skips.');
    // A test in no profile appears only in the summary; profiles without tests are left out.
    expect(report.profiles.map((p) => p.name)).not.toContain('MESH-HTTP');
  });

  it('prints one line per profile and level', () => {
    const lines = reportLines(report);
    expect(lines).toContain('GATEWAY-HTTP core: 2 passed, 1 failed, 0 skipped');
    expect(lines).toContain('GATEWAY-HTTP extended: 0 passed, 0 failed, 1 skipped');
    expect(lines).toContain('GATEWAY-TCP core: 1 passed, 0 failed, 1 skipped');
    expect(lines).toContain('GATEWAY-TCP extended: 0 passed, 0 failed, 0 skipped');
  });
});
