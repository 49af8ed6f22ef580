/**
 * @portway/conformance: replays the upstream Gateway API conformance suite (transcribed as data)
 * against a Portway started in standalone mode, and reports in the upstream ConformanceReport
 * shape. `main.ts` is the command; these exports are its parts.
 */
export { runSuite, GATEWAY_CLASS_NAME, CONTROLLER_NAME, type RunOptions, type RunOutcome } from './runner/run-suite.js';
export { runTest, loadTestManifests, type TestEnv } from './runner/run-test.js';
export type { TestResult } from './runner/test-result.js';
export { parseCliArgs, USAGE, type CliOptions } from './cli/parse-args.js';
export { loadSuite } from './suite/load-suite.js';
export { profilesForTest, isExtendedFor, extendedFeatureSupport } from './suite/profiles.js';
export { selectTests, skipReason, type Selection } from './suite/select-tests.js';
export type * from './suite/types.js';
export { generateResources } from './certs/generate-certs.js';
export { sansForHosts, isDns1123Subdomain } from './certs/san-rules.js';
export { prepareManifests, type ManifestContext } from './manifests/prepare-manifests.js';
export { parseManifests, stringifyManifests, type KubeObject } from './manifests/yaml-docs.js';
export { planPods, backendOfPod, type PodPlan, type EchoContainerPlan } from './cluster/pod-plan.js';
export { endpointSliceFor } from './cluster/endpoint-slices.js';
export { compareRoundTrip, captureRequest, type HttpExpectation, type CapturedRequest } from './traffic/compare-round-trip.js';
export { roundTrip, type RoundTripRequest, type RoundTripResponse } from './traffic/round-trip.js';
export { checkDistribution } from './traffic/weighted-case.js';
export { buildReport, reportLines, type ConformanceReport } from './report/report.js';
export { parseChange } from './actions/change-language.js';
export { applyChange, contains } from './actions/apply-change.js';
