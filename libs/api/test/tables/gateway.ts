/** Admission cases (gateway); run by test/admit-gateway.test.ts and by the CEL fast-path cross-check. */
import { times, type Case } from '../cases.js';
const listener = (name: string, port: number, protocol: string, extra: object = {}) => ({ name, port, protocol, ...extra });
const cert = { certificateRefs: [{ name: 'cert' }] };

export const gatewayCases: Case[] = [
  { name: 'the valid gateway is admitted', change: () => {}, errors: [] },
  { name: 'gatewayClassName is required', change: (o) => delete o.spec.gatewayClassName, errors: [{ path: 'spec.gatewayClassName', message: 'Required value' }] },
  { name: 'at least one listener', change: (o) => (o.spec.listeners = []), errors: [{ path: 'spec.listeners', message: 'Invalid value: 0: should have at least 1 items' }] },
  {
    name: 'at most 64 listeners',
    change: (o) => (o.spec.listeners = times(65, (i) => listener(`l${i}`, 1000 + i, 'HTTP'))),
    errors: [{ path: 'spec.listeners', message: 'Too many: 65: must have at most 64 items' }],
  },
  { name: '64 listeners are fine', change: (o) => (o.spec.listeners = times(64, (i) => listener(`l${i}`, 1000 + i, 'HTTP'))), errors: [] },
  {
    name: 'listener names are unique (list map key and CEL rule)',
    change: (o) => o.spec.listeners.push(listener('http', 81, 'HTTP')),
    errors: [
      { path: 'spec.listeners[1]', message: 'Duplicate value: {"name":"http"}' },
      { path: 'spec.listeners', message: 'Listener name must be unique within the Gateway' },
    ],
  },
  {
    name: 'port, protocol and hostname combination is unique',
    change: (o) => o.spec.listeners.push(listener('other', 80, 'HTTP')),
    errors: [{ path: 'spec.listeners', message: 'Combination of port, protocol and hostname must be unique for each listener' }],
  },
  {
    name: 'same port and protocol with different hostnames is fine',
    change: (o) => {
      o.spec.listeners[0].hostname = 'a.example.com';
      o.spec.listeners.push(listener('b', 80, 'HTTP', { hostname: 'b.example.com' }));
    },
    errors: [],
  },
  {
    name: 'listener name must be a DNS label',
    change: (o) => (o.spec.listeners[0].name = 'Web_1'),
    errors: [{ path: 'spec.listeners[0].name', message: /^Invalid value: "Web_1": should match '\^\[a-z0-9\]/ }],
  },
  { name: 'port 0 is out of range', change: (o) => (o.spec.listeners[0].port = 0), errors: [{ path: 'spec.listeners[0].port', message: 'Invalid value: 0: should be greater than or equal to 1' }] },
  { name: 'port 65536 is out of range', change: (o) => (o.spec.listeners[0].port = 65536), errors: [{ path: 'spec.listeners[0].port', message: 'Invalid value: 65536: should be less than or equal to 65535' }] },
  { name: 'port must be an integer', change: (o) => (o.spec.listeners[0].port = '80'), errors: [{ path: 'spec.listeners[0].port', message: 'Invalid value: "80": must be of type integer' }] },
  {
    name: 'hostname is RFC 1123 with an optional leading *.',
    change: (o) => (o.spec.listeners[0].hostname = 'Foo.example.com'),
    errors: [{ path: 'spec.listeners[0].hostname', message: /^Invalid value: "Foo.example.com": should match / }],
  },
  { name: 'wildcard hostname is fine', change: (o) => (o.spec.listeners[0].hostname = '*.example.com'), errors: [] },
  { name: 'a wildcard only as the first label', change: (o) => (o.spec.listeners[0].hostname = 'a.*.example.com'), errors: [{ path: 'spec.listeners[0].hostname' }] },
  {
    name: 'tls is not allowed on HTTP listeners',
    change: (o) => (o.spec.listeners[0].tls = cert),
    errors: [{ path: 'spec.listeners', message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']" }],
  },
  { name: 'HTTPS with certificates is fine (mode defaults to Terminate)', change: (o) => (o.spec.listeners = [listener('https', 443, 'HTTPS', { tls: cert })]), errors: [] },
  {
    name: 'HTTPS listeners must terminate TLS',
    change: (o) => (o.spec.listeners = [listener('https', 443, 'HTTPS', { tls: { mode: 'Passthrough' } })]),
    errors: [{ path: 'spec.listeners', message: 'tls mode must be Terminate for protocol HTTPS' }],
  },
  {
    name: 'TLS listeners need a tls mode',
    change: (o) => (o.spec.listeners = [listener('tls', 443, 'TLS')]),
    errors: [{ path: 'spec.listeners', message: 'tls mode must be set for protocol TLS' }],
  },
  { name: 'TLS passthrough is fine', change: (o) => (o.spec.listeners = [listener('tls', 443, 'TLS', { tls: { mode: 'Passthrough' } })]), errors: [] },
  {
    name: 'Terminate needs certificateRefs or options',
    change: (o) => (o.spec.listeners = [listener('https', 443, 'HTTPS', { tls: { mode: 'Terminate' } })]),
    errors: [{ path: 'spec.listeners[0].tls', message: 'Invalid value: "object": no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate' }],
  },
  {
    name: 'TCP and UDP listeners have no hostname',
    change: (o) => (o.spec.listeners = [listener('tcp', 9000, 'TCP', { hostname: 'a.example.com' })]),
    errors: [{ path: 'spec.listeners', message: "hostname must not be specified for protocols ['TCP', 'UDP']" }],
  },
  {
    name: 'tls mode is an enum',
    change: (o) => (o.spec.listeners = [listener('tls', 443, 'TLS', { tls: { mode: 'Reencrypt' } })]),
    errors: [{ path: 'spec.listeners[0].tls.mode', message: 'Unsupported value: "Reencrypt": supported values: "Terminate", "Passthrough"' }],
  },
  {
    name: 'allowedRoutes.namespaces.from is an enum',
    change: (o) => (o.spec.listeners[0].allowedRoutes = { namespaces: { from: 'Any' } }),
    errors: [{ path: 'spec.listeners[0].allowedRoutes.namespaces.from', message: /^Unsupported value: "Any": supported values: "All", "Selector", "Same"/ }],
  },
  {
    name: 'an IPAddress address must be an IP',
    change: (o) => (o.spec.addresses = [{ type: 'IPAddress', value: '300.1.1.1' }]),
    errors: [{ path: 'spec.addresses[0].value', message: 'Invalid value: "300.1.1.1": must be of type ipv4 or ipv6' }],
  },
  { name: 'IPv4 and IPv6 addresses are fine', change: (o) => (o.spec.addresses = [{ value: '10.0.0.1' }, { value: 'fd00::1' }]), errors: [] },
  {
    name: 'IPAddress values are unique',
    change: (o) => (o.spec.addresses = [{ value: '10.0.0.1' }, { value: '10.0.0.1' }]),
    errors: [{ path: 'spec.addresses', message: 'IPAddress values must be unique' }],
  },
  {
    name: 'Hostname addresses are RFC 1123',
    change: (o) => (o.spec.addresses = [{ type: 'Hostname', value: 'Bad_Host' }]),
    errors: [
      {
        path: 'spec.addresses[0]',
        message: 'Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
      },
    ],
  },
  {
    name: 'infrastructure label keys are qualified names',
    change: (o) => (o.spec.infrastructure = { labels: { 'bad key!': 'x' } }),
    errors: [{ path: 'spec.infrastructure.labels', message: 'Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.' }],
  },
];

export const classCases: Case[] = [
  { name: 'the valid class is admitted', change: () => {}, errors: [] },
  {
    name: 'controllerName is a domain-prefixed path',
    change: (o) => (o.spec.controllerName = 'portway'),
    errors: [{ path: 'spec.controllerName', message: /^Invalid value: "portway": should match / }],
  },
  { name: 'controllerName is immutable (on update)', change: (o) => (o.spec.controllerName = 'example.net/other'), options: { old: { spec: { controllerName: 'portway.dev/gateway-controller' } } }, errors: [{ path: 'spec.controllerName', message: 'Value is immutable' }] },
  { name: 'controllerName may be anything on create', change: (o) => (o.spec.controllerName = 'example.net/other'), errors: [] },
  { name: 'a namespace on a cluster-scoped object is dropped', change: (o) => (o.metadata.namespace = 'default'), errors: [] },
];

export const listenerSetCases: Case[] = [
  { name: 'the valid listener set is admitted', change: () => {}, errors: [] },
  { name: 'parentRef is required', change: (o) => delete o.spec.parentRef, errors: [{ path: 'spec.parentRef', message: 'Required value' }] },
  { name: 'at most 64 listeners', change: (o) => (o.spec.listeners = times(65, (i) => listener(`l${i}`, 1000 + i, 'HTTP'))), errors: [{ path: 'spec.listeners', message: 'Too many: 65: must have at most 64 items' }] },
  {
    name: 'listener names are unique',
    change: (o) => o.spec.listeners.push(listener('http', 8081, 'HTTP')),
    errors: [
      { path: 'spec.listeners[1]', message: 'Duplicate value: {"name":"http"}' },
      { path: 'spec.listeners', message: 'Listener name must be unique within the Gateway' },
    ],
  },
  {
    name: 'HTTPS listeners must terminate TLS',
    change: (o) => (o.spec.listeners = [listener('https', 443, 'HTTPS', { tls: { mode: 'Passthrough' } })]),
    errors: [{ path: 'spec.listeners', message: 'tls mode must be Terminate for protocol HTTPS' }],
  },
];
