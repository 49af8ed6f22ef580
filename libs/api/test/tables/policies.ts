/** Admission cases (policies); run by test/admit-policies.test.ts and by the CEL fast-path cross-check. */
import { times, type Case } from '../cases.js';
export const grant: Case[] = [
  { name: 'the valid grant is admitted (v1beta1)', change: () => {}, errors: [] },
  { name: 'v1 is served too', change: (o) => (o.apiVersion = 'gateway.networking.k8s.io/v1'), errors: [] },
  { name: 'from is required', change: (o) => delete o.spec.from, errors: [{ path: 'spec.from', message: 'Required value' }] },
  { name: 'at least one from', change: (o) => (o.spec.from = []), errors: [{ path: 'spec.from', message: 'Invalid value: 0: should have at least 1 items' }] },
  { name: 'at most 16 to', change: (o) => (o.spec.to = times(17, () => ({ group: '', kind: 'Service' }))), errors: [{ path: 'spec.to', message: 'Too many: 17: must have at most 16 items' }] },
  { name: 'from.namespace is required', change: (o) => delete o.spec.from[0].namespace, errors: [{ path: 'spec.from[0].namespace', message: 'Required value' }] },
  { name: 'from.namespace is a DNS label', change: (o) => (o.spec.from[0].namespace = 'Apps'), errors: [{ path: 'spec.from[0].namespace', message: /^Invalid value: "Apps": should match / }] },
  { name: 'from.kind is a kind name', change: (o) => (o.spec.from[0].kind = '1Route'), errors: [{ path: 'spec.from[0].kind', message: /^Invalid value: "1Route": should match / }] },
  { name: 'to.group is a DNS subdomain', change: (o) => (o.spec.to[0].group = 'Bad_Group'), errors: [{ path: 'spec.to[0].group', message: /^Invalid value: "Bad_Group": should match / }] },
  { name: 'to.name narrows the grant to one object', change: (o) => (o.spec.to[0].name = 'svc'), errors: [] },
  { name: 'to.name is at most 253 characters', change: (o) => (o.spec.to[0].name = 'a'.repeat(254)), errors: [{ path: 'spec.to[0].name', message: 'Too long: may not be more than 253 bytes' }] },
];

export const btls: Case[] = [
  { name: 'the valid policy is admitted', change: () => {}, errors: [] },
  { name: 'validation.hostname is required', change: (o) => delete o.spec.validation.hostname, errors: [{ path: 'spec.validation.hostname', message: 'Required value' }] },
  {
    name: 'CA certificates or well-known CAs, not both',
    change: (o) => (o.spec.validation.wellKnownCACertificates = 'System'),
    errors: [{ path: 'spec.validation', message: 'must not contain both CACertificateRefs and WellKnownCACertificates' }],
  },
  {
    name: 'CA certificates or well-known CAs, one of them',
    change: (o) => delete o.spec.validation.caCertificateRefs,
    errors: [{ path: 'spec.validation', message: 'must specify either CACertificateRefs or WellKnownCACertificates' }],
  },
  { name: 'well-known CAs alone are fine', change: (o) => (o.spec.validation = { hostname: 'svc.example.com', wellKnownCACertificates: 'System' }), errors: [] },
  {
    name: 'a Hostname SAN needs a hostname',
    change: (o) => (o.spec.validation.subjectAltNames = [{ type: 'Hostname', uri: 'spiffe://a/b' }]),
    errors: [
      { path: 'spec.validation.subjectAltNames[0]', message: 'SubjectAltName element must contain Hostname, if Type is set to Hostname' },
      { path: 'spec.validation.subjectAltNames[0]', message: 'SubjectAltName element must not contain URI, if Type is not set to URI' },
    ],
  },
  {
    name: 'two refs to one target need distinct section names',
    change: (o) => o.spec.targetRefs.push({ group: '', kind: 'Service', name: 'svc' }),
    errors: [{ path: 'spec.targetRefs', message: 'sectionName must be unique when targetRefs includes 2 or more references to the same target' }],
  },
  { name: 'the deprecated v1alpha3 is served', change: (o) => (o.apiVersion = 'gateway.networking.k8s.io/v1alpha3'), errors: [] },
];

export const btp: Case[] = [
  { name: 'the valid policy is admitted', change: () => {}, errors: [] },
  {
    name: 'retry budget interval between 1s and 1h',
    change: (o) => (o.spec.retryConstraint = { budget: { percent: 20, interval: '500ms' } }),
    errors: [{ path: 'spec.retryConstraint.budget.interval', message: 'interval cannot be greater than one hour or less than one second' }],
  },
  { name: 'a 10s budget interval is fine', change: (o) => (o.spec.retryConstraint = { budget: { percent: 20, interval: '10s' } }), errors: [] },
  {
    name: 'cookieConfig only with Cookie sessions',
    change: (o) => (o.spec.sessionPersistence = { type: 'Header', cookieConfig: { lifetimeType: 'Session' } }),
    errors: [{ path: 'spec.sessionPersistence', message: 'cookieConfig can only be set with type Cookie' }],
  },
];

export const imports: Case[] = [
  { name: 'the valid import is admitted (v1beta1)', change: () => {}, errors: [] },
  { name: 'v1alpha1 is served too', change: (o) => (o.apiVersion = 'multicluster.x-k8s.io/v1alpha1'), errors: [] },
  { name: 'type is required', change: (o) => delete o.spec.type, errors: [{ path: 'spec.type', message: 'Required value' }] },
  { name: 'type is an enum', change: (o) => (o.spec.type = 'LoadBalancer'), errors: [{ path: 'spec.type', message: 'Unsupported value: "LoadBalancer": supported values: "ClusterSetIP", "Headless"' }] },
  { name: 'ports are required', change: (o) => delete o.spec.ports, errors: [{ path: 'spec.ports', message: 'Required value' }] },
  { name: 'a port needs a number', change: (o) => (o.spec.ports = [{ protocol: 'TCP' }]), errors: [{ path: 'spec.ports[0].port', message: 'Required value' }] },
  { name: 'at most two ips', change: (o) => (o.spec.ips = ['10.0.0.1', '10.0.0.2', 'fd00::1']), errors: [{ path: 'spec.ips', message: 'Too many: 3: must have at most 2 items' }] },
];
