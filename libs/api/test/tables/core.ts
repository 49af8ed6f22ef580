/** Admission cases (core); run by test/admit-core.test.ts and by the CEL fast-path cross-check. */
import { times, VALID, type Case } from '../cases.js';
const P0 = 'spec.ports[0]';

export const service: Case[] = [
  { name: 'the valid service is admitted', change: () => {}, errors: [] },
  { name: 'names are DNS-1035 labels', change: (o) => (o.metadata.name = '1svc'), errors: [{ path: 'metadata.name', message: /^Invalid value: "1svc": a DNS-1035 label must consist of/ }] },
  {
    name: 'port 0 (targetPort defaults to it and fails too)',
    change: (o) => (o.spec.ports[0].port = 0),
    errors: [
      { path: `${P0}.port`, message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
      { path: `${P0}.targetPort`, message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
    ],
  },
  { name: 'port 65536', change: (o) => ((o.spec.ports[0].port = 65536), (o.spec.ports[0].targetPort = 8080)), errors: [{ path: `${P0}.port`, message: 'Invalid value: 65536: must be between 1 and 65535, inclusive' }] },
  { name: 'port is required', change: (o) => delete o.spec.ports[0].port, errors: [{ path: `${P0}.port`, message: 'Required value' }] },
  { name: 'protocol is an enum', change: (o) => (o.spec.ports[0].protocol = 'HTTP'), errors: [{ path: `${P0}.protocol`, message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' }] },
  { name: 'targetPort may be a name', change: (o) => (o.spec.ports[0].targetPort = 'http'), errors: [] },
  { name: 'targetPort names are IANA service names', change: (o) => (o.spec.ports[0].targetPort = 'http--x'), errors: [{ path: `${P0}.targetPort`, message: 'Invalid value: "http--x": must not contain consecutive hyphens' }] },
  { name: 'targetPort numbers are ports', change: (o) => (o.spec.ports[0].targetPort = 70000), errors: [{ path: `${P0}.targetPort`, message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' }] },
  { name: 'targetPort is an int or a string', change: (o) => (o.spec.ports[0].targetPort = true), errors: [{ path: `${P0}.targetPort`, message: 'Invalid value: true: must be of type integer or string' }] },
  {
    name: 'several ports need names',
    change: (o) => o.spec.ports.push({ port: 81, name: 'b' }),
    errors: [{ path: `${P0}.name`, message: 'Required value' }],
  },
  {
    name: 'port names are unique',
    change: (o) => (o.spec.ports = [{ port: 80, name: 'a' }, { port: 81, name: 'a' }]),
    errors: [{ path: 'spec.ports[1].name', message: 'Duplicate value: "a"' }],
  },
  {
    name: 'port and protocol pairs are unique',
    change: (o) => (o.spec.ports = [{ port: 80, name: 'a' }, { port: 80, name: 'b' }]),
    errors: [{ path: 'spec.ports[1]', message: 'Duplicate value: {"port":80,"protocol":"TCP"}' }],
  },
  { name: 'the same port over TCP and UDP is fine', change: (o) => (o.spec.ports = [{ port: 53, name: 'a' }, { port: 53, name: 'b', protocol: 'UDP' }]), errors: [] },
  { name: 'ports are required', change: (o) => delete o.spec.ports, errors: [{ path: 'spec.ports', message: 'Required value' }] },
  { name: 'headless services need no ports', change: (o) => (o.spec = { clusterIP: 'None' }), errors: [] },
  { name: 'ExternalName needs externalName', change: (o) => (o.spec = { type: 'ExternalName' }), errors: [{ path: 'spec.externalName', message: 'Required value' }] },
  { name: 'ExternalName with a name is fine', change: (o) => (o.spec = { type: 'ExternalName', externalName: 'db.example.com' }), errors: [] },
  { name: 'type is an enum', change: (o) => (o.spec.type = 'Internal'), errors: [{ path: 'spec.type', message: 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' }] },
  { name: 'clusterIP is an IP or None', change: (o) => (o.spec.clusterIP = 'x'), errors: [{ path: 'spec.clusterIP', message: "Invalid value: \"x\": must be empty, 'None', or a valid IP address" }] },
];

export const slice: Case[] = [
  { name: 'the valid slice is admitted', change: () => {}, errors: [] },
  { name: 'addressType is required', change: (o) => delete o.addressType, errors: [{ path: 'addressType', message: 'Required value' }] },
  { name: 'addressType is an enum', change: (o) => (o.addressType = 'IP'), errors: [{ path: 'addressType', message: 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"' }] },
  { name: 'IPv4 addresses', change: (o) => (o.endpoints[0].addresses = ['10.0.0.300']), errors: [{ path: 'endpoints[0].addresses[0]', message: 'Invalid value: "10.0.0.300": must be a valid IPv4 address' }] },
  { name: 'an IPv6 address in an IPv4 slice', change: (o) => (o.endpoints[0].addresses = ['fd00::1']), errors: [{ path: 'endpoints[0].addresses[0]', message: 'Invalid value: "fd00::1": must be a valid IPv4 address' }] },
  { name: 'IPv6 slices', change: (o) => ((o.addressType = 'IPv6'), (o.endpoints[0].addresses = ['fd00::1'])), errors: [] },
  { name: 'FQDN slices hold DNS names', change: (o) => ((o.addressType = 'FQDN'), (o.endpoints[0].addresses = ['Bad_Name'])), errors: [{ path: 'endpoints[0].addresses[0]', message: /^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/ }] },
  { name: 'at least one address', change: (o) => (o.endpoints[0].addresses = []), errors: [{ path: 'endpoints[0].addresses', message: 'Invalid value: 0: should have at least 1 items' }] },
  { name: 'at most 100 addresses', change: (o) => (o.endpoints[0].addresses = times(101, (i) => `10.0.${i >> 8}.${i & 255}`)), errors: [{ path: 'endpoints[0].addresses', message: 'Too many: 101: must have at most 100 items' }] },
  { name: 'at most 1000 endpoints', change: (o) => (o.endpoints = times(1001, () => ({ addresses: ['10.0.0.1'] }))), errors: [{ path: 'endpoints', message: 'Too many: 1001: must have at most 1000 items' }] },
  { name: 'port protocol is an enum', change: (o) => (o.ports[0].protocol = 'QUIC'), errors: [{ path: 'ports[0].protocol', message: 'Unsupported value: "QUIC": supported values: "SCTP", "TCP", "UDP"' }] },
  { name: 'port names are unique', change: (o) => o.ports.push({ name: 'http', port: 81 }), errors: [{ path: 'ports[1].name', message: 'Duplicate value: "http"' }] },
  { name: 'conditions are booleans', change: (o) => (o.endpoints[0].conditions.ready = 'yes'), errors: [{ path: 'endpoints[0].conditions.ready', message: 'Invalid value: "yes": must be of type boolean' }] },
];

export const secret: Case[] = [
  { name: 'the valid TLS secret is admitted', change: () => {}, errors: [] },
  { name: 'data values are base64', change: (o) => (o.data['tls.key'] = 'not base64!'), errors: [{ path: 'data[tls.key]', message: 'Invalid value: "not base64!": must be of type byte' }] },
  { name: 'data keys are config keys', change: (o) => (o.data['bad/key'] = 'YQ=='), errors: [{ path: 'data', message: /^Invalid value: "bad\/key": a valid config key must consist of/ }] },
  { name: 'a TLS secret holds tls.key', change: (o) => delete o.data['tls.key'], errors: [{ path: 'data[tls.key]', message: 'Required value' }] },
  { name: 'stringData fills data', change: (o) => ((o.data = { 'tls.crt': 'Y2VydA==' }), (o.stringData = { 'tls.key': 'key' })), errors: [] },
];

export const configMap: Case[] = [
  { name: 'the valid config map is admitted', change: () => {}, errors: [] },
  { name: 'keys are config keys', change: (o) => (o.data = { '..a': 'x' }), errors: [{ path: 'data', message: `Invalid value: "..a": must not start with '..'` }] },
  { name: 'binaryData is base64', change: (o) => (o.binaryData = { b: '%%%' }), errors: [{ path: 'binaryData[b]', message: 'Invalid value: "%%%": must be of type byte' }] },
  { name: 'a key is in data or binaryData', change: (o) => (o.binaryData = { 'ca.crt': 'YQ==' }), errors: [{ path: 'data', message: 'Invalid value: "ca.crt": duplicate of key present in binaryData' }] },
];

export const namespace: Case[] = [
  { name: 'the valid namespace is admitted', change: () => {}, errors: [] },
  { name: 'names are DNS labels', change: (o) => (o.metadata.name = 'a.b'), errors: [{ path: 'metadata.name', message: /^Invalid value: "a.b": a lowercase RFC 1123 label/ }] },
];

export const meta: Case[] = [
  { name: 'name is required', change: (o) => delete o.metadata.name, errors: [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }] },
  { name: 'generateName needs a random suffix Portway does not invent', change: (o) => ((o.metadata.generateName = 'route-'), delete o.metadata.name), errors: [{ path: 'metadata.generateName' }] },
  { name: 'name is a DNS subdomain', change: (o) => (o.metadata.name = 'Route'), errors: [{ path: 'metadata.name', message: /^Invalid value: "Route": a lowercase RFC 1123 subdomain must consist of/ }] },
  { name: 'names may hold dots', change: (o) => (o.metadata.name = 'route.v1'), errors: [] },
  { name: 'at most 253 characters', change: (o) => (o.metadata.name = 'a'.repeat(254)), errors: [{ path: 'metadata.name', message: /must be no more than 253 characters/ }] },
  { name: 'namespace is required', change: (o) => delete o.metadata.namespace, errors: [{ path: 'metadata.namespace', message: 'Required value' }] },
  { name: 'the default namespace fills in', change: (o) => delete o.metadata.namespace, options: { defaultNamespace: 'default' }, errors: [] },
  { name: 'namespace is a DNS label', change: (o) => (o.metadata.namespace = 'a.b'), errors: [{ path: 'metadata.namespace', message: /^Invalid value: "a.b": a lowercase RFC 1123 label/ }] },
  { name: 'label keys are qualified names', change: (o) => (o.metadata.labels = { 'a/b/c': 'x' }), errors: [{ path: 'metadata.labels', message: /^Invalid value: "a\/b\/c": a qualified name must consist of/ }] },
  { name: 'label values are at most 63 characters', change: (o) => (o.metadata.labels = { a: 'x'.repeat(64) }), errors: [{ path: 'metadata.labels[a]', message: /must be no more than 63 characters/ }] },
  { name: 'annotation keys are qualified names', change: (o) => (o.metadata.annotations = { '-x': 'y' }), errors: [{ path: 'metadata.annotations', message: /^Invalid value: "-x": name part must consist of/ }] },
  { name: 'annotation values may be anything', change: (o) => (o.metadata.annotations = { 'example.com/note': 'any: thing\nat all' }), errors: [] },
];
