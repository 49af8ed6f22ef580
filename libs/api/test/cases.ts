/**
 * Helpers for the admission tables: a valid object per kind, and a runner that applies a change to a
 * copy and returns what `admit` reports.
 */
import { expect } from 'vitest';
import { admit, type AdmitOptions } from '../src/admit.js';
import { lookupKind } from '../src/kinds.js';
import { BLOCKING_TYPES, RULES_NOT_CHECKED, type FieldError } from '../src/field-error.js';

const GW = 'gateway.networking.k8s.io/v1';
const meta = (name: string) => ({ name, namespace: 'default' });
const backend = (port = 80) => ({ name: 'svc', port });

/** A minimal valid object of each kind. */
export const VALID: Record<string, () => any> = {
  GatewayClass: () => ({ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portway' }, spec: { controllerName: 'portway.dev/gateway-controller' } }),
  Gateway: () => ({
    apiVersion: GW,
    kind: 'Gateway',
    metadata: meta('gw'),
    spec: { gatewayClassName: 'portway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  }),
  ListenerSet: () => ({
    apiVersion: GW,
    kind: 'ListenerSet',
    metadata: meta('ls'),
    spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  }),
  HTTPRoute: () => ({
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: meta('route'),
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend()] }],
    },
  }),
  GRPCRoute: () => ({
    apiVersion: GW,
    kind: 'GRPCRoute',
    metadata: meta('grpc'),
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ method: { service: 'echo.Echo', method: 'Say' } }], backendRefs: [backend(9000)] }] },
  }),
  TLSRoute: () => ({
    apiVersion: GW,
    kind: 'TLSRoute',
    metadata: meta('tls'),
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [backend(443)] }] },
  }),
  TCPRoute: () => ({ apiVersion: GW, kind: 'TCPRoute', metadata: meta('tcp'), spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend(9000)] }] } }),
  UDPRoute: () => ({ apiVersion: GW, kind: 'UDPRoute', metadata: meta('udp'), spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend(53)] }] } }),
  ReferenceGrant: () => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: meta('grant'),
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }], to: [{ group: '', kind: 'Service' }] },
  }),
  BackendTLSPolicy: () => ({
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: meta('btls'),
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'svc' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'svc.example.com' },
    },
  }),
  XBackendTrafficPolicy: () => ({
    apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
    kind: 'XBackendTrafficPolicy',
    metadata: meta('btp'),
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc' }] },
  }),
  ServiceImport: () => ({
    apiVersion: 'multicluster.x-k8s.io/v1beta1',
    kind: 'ServiceImport',
    metadata: meta('svc'),
    spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }] },
  }),
  ServiceExport: () => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: meta('svc') }),
  Service: () => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('svc'), spec: { selector: { app: 'echo' }, ports: [{ port: 80 }] } }),
  EndpointSlice: () => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { ...meta('svc-abc'), labels: { 'kubernetes.io/service-name': 'svc' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }),
  Secret: () => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('cert'),
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
  }),
  ConfigMap: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ca'), data: { 'ca.crt': 'pem' } }),
  Namespace: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }),
};

/** One row of an admission table: a change to the valid object and the errors it must produce. */
export interface Case {
  name: string;
  change: (o: any) => void;
  /** Every error expected, exactly (path, and message where given). Empty: the object must be admitted. */
  errors: { path: string; message?: string | RegExp }[];
  options?: AdmitOptions;
}

/** Runs one case against `kind`'s valid object. */
export function check(kind: string, c: Case): void {
  const obj = VALID[kind]!();
  c.change(obj);
  const before = JSON.stringify(obj);
  const r = admit(obj, c.options);
  expect(JSON.stringify(obj), 'admit must not mutate its input').toBe(before);
  let errors: FieldError[] = r.ok ? [] : r.errors;
  // After a blocking error the API server skips CEL rules and says so: that note must be there, and
  // is not listed in the tables.
  const blocking = errors.some((e) => e.type && BLOCKING_TYPES.has(e.type));
  const notes = errors.filter((e) => e.message === RULES_NOT_CHECKED.message);
  const hasRules = lookupKind(obj.apiVersion, obj.kind)?.hasRules ?? false;
  expect(notes.length, 'the "rules not checked" note appears exactly after blocking errors').toBe(blocking && hasRules ? 1 : 0);
  errors = errors.filter((e) => e.message !== RULES_NOT_CHECKED.message);
  const shown = errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  expect(errors.length, `errors were:\n${shown}`).toBe(c.errors.length);
  for (const want of c.errors) {
    const hit = errors.find(
      (e) =>
        e.path === want.path &&
        (want.message === undefined || (typeof want.message === 'string' ? e.message === want.message : want.message.test(e.message))),
    );
    expect(hit, `expected ${want.path}: ${String(want.message ?? '')}\nerrors were:\n${shown}`).toBeDefined();
  }
}

/** `n` copies of `make(i)`. */
export const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
