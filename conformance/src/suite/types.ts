import type { KubeObject } from '../manifests/yaml-docs.js';

/**
 * The shape of a conformance suite folder (`tests/<ShortName>.json`, `features.json`, `base/`),
 * as documented in the suite's SEMANTICS.md. Fields the runner does not read are left out; prose
 * fields (`semantics`, `expect`, `note`) are kept as strings for the trace.
 */

/** A namespaced object reference as the suite writes it. */
export interface ObjectRef {
  namespace?: string;
  name: string;
  kind?: string;
  apiVersion?: string;
}

/** `{type, status, reason?}`; a missing reason means any reason. */
export interface ExpectedCondition {
  type: string;
  status?: string;
  reason?: string;
}

/** Which address and port a traffic case is sent to (SEMANTICS.md §2). */
export interface Target {
  gateway: ObjectRef;
  scheme: 'http' | 'https' | 'grpc' | 'tcp' | 'tls' | 'udp' | 'ws' | string;
  /** `firstListener`, `listener`, `explicit` or a string starting with `none`. */
  portSource?: string;
  listener?: string;
  port?: number;
}

/** A value read from a generated Secret at run time (`{"$fromSecret": {...}}`). */
export interface FromSecret {
  $fromSecret: { namespace: string; name: string; key: string };
}

/** A Secret or ConfigMap key holding PEM data. */
export interface PemRef {
  kind: 'Secret' | 'ConfigMap' | string;
  namespace: string;
  name: string;
  key?: string;
  certKey?: string;
  keyKey?: string;
}

export interface CaseTls {
  serverName?: string;
  trustedCA?: PemRef;
  clientCertificate?: PemRef;
  assertClientCertificateRequested?: boolean;
}

export interface HttpRequestData {
  path: string;
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  protocol?: 'HTTP' | 'HTTPS' | 'H2' | 'H2C_PRIOR_KNOWLEDGE' | string;
  unfollowRedirect?: boolean;
  body?: string;
  sni?: string;
  clientCert?: string | FromSecret;
}

export interface HttpResponseData {
  statusCodes?: number[];
  protocol?: string;
  headers?: Record<string, string>;
  validHeaderValues?: Record<string, string[]>;
  absentHeaders?: string[];
  ignoreWhitespace?: boolean;
}

/** What the echo backend must have seen (derived by the suite from expectedRequest / request). */
export interface BackendExpectation {
  host?: string;
  path?: string;
  method?: string;
  namespace?: string;
  headers?: Record<string, string>;
  absentHeaders?: string[];
  podNamePrefix?: string;
  tlsServerName?: string;
  tlsPeerCertificateContains?: string | FromSecret;
  httpPort?: string;
}

export interface RedirectExpectation {
  scheme?: string;
  host?: string | null;
  path?: string;
  port?: { equals?: string; rule?: string };
}

/** Fields common to every traffic case. */
export interface CaseBase {
  kind: string;
  name?: string;
  step: number;
  index: number;
  target?: Target;
  assertion?: string;
  semantics?: string;
  note?: string;
}

export interface HttpCase extends CaseBase {
  kind: 'http';
  request: HttpRequestData;
  expectedRequest?: Partial<HttpRequestData> & { absentHeaders?: string[] };
  response?: HttpResponseData;
  backend?: string;
  namespace?: string;
  backendSetResponseHeaders?: Record<string, string>;
  tls?: CaseTls;
  backendExpectation?: BackendExpectation;
  redirectRequest?: { scheme?: string; host?: string; port?: string; path?: string };
  redirectExpectation?: RedirectExpectation;
  mirroredTo?: { name: string; namespace: string; percent?: number }[];
  requestIdQueryParam?: string;
  mirrorCheck?: string;
  placeholders?: Record<string, string>;
  responseNotCompared?: boolean;
}

export interface WeightedCase extends CaseBase {
  request: Record<string, unknown> & { path?: string; method?: string; fullMethod?: string; payload?: string; host?: string; headers?: Record<string, string> };
  perRequestExpectation?: {
    response?: { statusCodes?: number[]; code?: string; codeNumber?: number };
    namespace?: string;
    timeoutSeconds?: number;
    welcomeLine?: string;
  };
  expectedWeights: Record<string, number>;
  totalRequests: number;
  concurrency?: number | null;
  tolerance: number;
  maxAttempts: number;
  perRequestTimeoutSeconds?: number;
  entropy?: string;
}

export interface GrpcCase extends CaseBase {
  kind: 'grpc';
  request: { service?: string; method?: string; fullMethod: string; authority?: string; metadata?: Record<string, string> };
  response: { code?: string; codeNumber: number };
  backend?: string;
  namespace?: string;
}

export interface TcpEchoCase extends CaseBase {
  kind: 'tcpEcho';
  useTLS?: boolean;
  tls?: CaseTls;
  expected: { backendIsTLS?: boolean; backend?: string; namespace?: string; hostname?: string; tlsProtocol?: string };
}

export interface TcpEchoRepeatCase extends CaseBase {
  kind: 'tcpEchoRepeat';
  iterations: number;
  perRequestTimeoutSeconds?: number;
  expectPodPrefix?: string;
  forbidPodPrefix?: string;
}

export interface UdpEchoCase extends CaseBase {
  kind: 'udpEcho' | 'udpEchoRepeat';
  timeoutSeconds?: number;
  payload?: string;
  expected?: { service?: string; namespace?: string };
  iterations?: number;
  expectPodPrefix?: string;
  forbidPodPrefix?: string;
}

export interface WebsocketCase extends CaseBase {
  kind: 'websocket';
  url?: string;
  origin?: string;
  subprotocol?: string;
  exchanges: { send: { frame: 'text' | 'binary'; data?: string; dataBytes?: number[] }; expectReply: { data?: string; dataBytes?: number[] } }[];
}

export interface PercentageMirrorCase extends CaseBase {
  kind: 'httpPercentageMirror';
  baseCase: Omit<HttpCase, 'step' | 'index'>;
  requestIdQueryParam: string;
  totalRequests: number;
  concurrency?: number;
  maxAttempts: number;
  sleepBetweenAttemptsSeconds?: number;
  expectedMirrorCounts: Record<string, { namespace: string; percent?: number; expected?: number; min: number; max: number }>;
}

/** Any traffic case; specific kinds are narrowed by `kind`. */
export type TrafficCase = CaseBase & Record<string, unknown>;

/** A status check (SEMANTICS.md §5); fields depend on `check`. */
export type StatusCheck = { check: string; step: number } & Record<string, unknown>;

/** A mutation the test performs between steps. */
export type Action = { action: string; step: number } & Record<string, unknown>;

export interface Step {
  step: number;
  name?: string;
  parallelCases?: boolean;
  notes?: string[];
}

/** One `tests/<ShortName>.json` file. */
export interface ConformanceTest {
  name: string;
  description?: string;
  features: string[];
  featureChannels?: Record<string, string>;
  experimental?: boolean;
  provisional?: boolean;
  parallel?: boolean;
  profiles?: string[];
  applicability?: string;
  skipIfSupported?: string[];
  skipIfNotSupported?: string[];
  transcription?: { level: string; why?: string };
  manifests: {
    files: string[];
    gateways?: ObjectRef[];
    routes?: ObjectRef[];
    listenerSets?: ObjectRef[];
    preprocessing?: Record<string, string>;
    meshClient?: unknown;
  };
  steps: Step[];
  statusChecks: StatusCheck[];
  actions?: Action[];
  cases: TrafficCase[];
  notes?: string[];
}

/** A conformance profile from features.json: its core and extended feature sets. */
export interface Profile {
  name: string;
  core: string[];
  extended: string[];
}

/** features.json, reduced to what the runner reads. */
export interface FeaturesFile {
  /** Where the data was taken from; `tag` is the Gateway API release. */
  source?: { tag?: string; commit?: string };
  features: { name: string; channel: string }[];
  profiles: Record<string, { core: string[]; extended: string[] }>;
}

/** One entry of base/generated-resources.json. */
export interface GeneratedResourceSpec {
  kind: 'Secret' | 'ConfigMap';
  type?: string;
  namespace: string;
  name: string;
  caId?: string;
  order?: number;
  certificate: {
    subject: { CN?: string; O?: string[]; C?: string[] };
    isCA?: boolean;
    keyUsage?: string[];
    extKeyUsage?: string[];
    hostsArgument?: string[];
    serialNumber?: number | string;
    signedBy?: string;
  };
}

/** A whole suite folder, loaded. */
export interface Suite {
  dir: string;
  tests: ConformanceTest[];
  features: FeaturesFile;
  profiles: Profile[];
  baseManifests: KubeObject[];
  meshManifests: KubeObject[];
  generatedResources: GeneratedResourceSpec[];
}
