/** Admission cases (routes); run by test/admit-routes.test.ts and by the CEL fast-path cross-check. */
import { times, type Case } from '../cases.js';
const R0 = 'spec.rules[0]';

export const grpc: Case[] = [
  { name: 'the valid route is admitted', change: () => {}, errors: [] },
  { name: 'at most 16 rules', change: (o) => (o.spec.rules = times(17, () => ({ backendRefs: [{ name: 's', port: 1 }] }))), errors: [{ path: 'spec.rules', message: 'Too many: 17: must have at most 16 items' }] },
  {
    name: 'at most 128 matches across all rules',
    change: (o) => (o.spec.rules = times(3, () => ({ matches: times(43, (i) => ({ method: { service: 's', method: `M${i}` } })) }))),
    errors: [{ path: 'spec.rules', message: 'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128' }],
  },
  {
    name: 'service or method is required',
    change: (o) => (o.spec.rules[0].matches = [{ method: { type: 'Exact' } }]),
    errors: [{ path: `${R0}.matches[0].method`, message: "One or both of 'service' or 'method' must be specified" }],
  },
  {
    name: 'service names are checked (case-insensitive RE2 pattern)',
    change: (o) => (o.spec.rules[0].matches = [{ method: { service: 'Echo.1bad' } }]),
    errors: [{ path: `${R0}.matches[0].method`, message: 'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)' }],
  },
  { name: 'upper-case service names are fine', change: (o) => (o.spec.rules[0].matches = [{ method: { service: 'Echo.EchoService' } }]), errors: [] },
  {
    name: 'method names are checked',
    change: (o) => (o.spec.rules[0].matches = [{ method: { service: 'echo.Echo', method: 'Say-It' } }]),
    errors: [{ path: `${R0}.matches[0].method`, message: 'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)' }],
  },
  { name: 'regular expression methods are not checked by the pattern', change: (o) => (o.spec.rules[0].matches = [{ method: { type: 'RegularExpression', method: 'Say.*' } }]), errors: [] },
  {
    name: 'the filter type must match its config field',
    change: (o) => (o.spec.rules[0].filters = [{ type: 'RequestMirror' }]),
    errors: [{ path: `${R0}.filters[0]`, message: 'filter.requestMirror must be specified for RequestMirror filter.type' }],
  },
  {
    name: 'ResponseHeaderModifier at most once',
    change: (o) => (o.spec.rules[0].filters = times(2, () => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x'] } }))),
    errors: [{ path: `${R0}.filters`, message: 'ResponseHeaderModifier filter cannot be repeated' }],
  },
  { name: 'a Service backend needs a port', change: (o) => delete o.spec.rules[0].backendRefs[0].port, errors: [{ path: `${R0}.backendRefs[0]`, message: 'Must have port for Service reference' }] },
  { name: 'weights are at most 1,000,000', change: (o) => (o.spec.rules[0].backendRefs[0].weight = 2_000_000), errors: [{ path: `${R0}.backendRefs[0].weight`, message: 'Invalid value: 2000000: should be less than or equal to 1000000' }] },
];

export const tls: Case[] = [
  { name: 'the valid route is admitted', change: () => {}, errors: [] },
  { name: 'hostnames are required', change: (o) => delete o.spec.hostnames, errors: [{ path: 'spec.hostnames', message: 'Required value' }] },
  { name: 'hostnames cannot be IPs', change: (o) => (o.spec.hostnames = ['10.0.0.1']), errors: [{ path: 'spec.hostnames', message: 'Hostnames cannot contain an IP' }] },
  {
    name: 'hostnames are RFC 1123 (schema pattern and CEL rule)',
    change: (o) => (o.spec.hostnames = ['-bad.example.com']),
    errors: [
      { path: 'spec.hostnames[0]', message: /^Invalid value: "-bad.example.com": should match / },
      { path: 'spec.hostnames', message: 'Hostnames must be valid based on RFC-1123' },
    ],
  },
  {
    name: 'wildcards only as the first label',
    change: (o) => (o.spec.hostnames = ['a.*.example.com']),
    errors: [
      { path: 'spec.hostnames[0]', message: /^Invalid value: "a.\*.example.com": should match / },
      { path: 'spec.hostnames', message: 'Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123' },
    ],
  },
  { name: 'a leading wildcard is fine', change: (o) => (o.spec.hostnames = ['*.example.com']), errors: [] },
  { name: 'exactly one rule', change: (o) => o.spec.rules.push({ backendRefs: [{ name: 'b', port: 1 }] }), errors: [{ path: 'spec.rules', message: 'Too many: 2: must have at most 1 items' }] },
  { name: 'a Service backend needs a port', change: (o) => delete o.spec.rules[0].backendRefs[0].port, errors: [{ path: `${R0}.backendRefs[0]`, message: 'Must have port for Service reference' }] },
];

export const l4 = (): Case[] => [
  { name: 'the valid route is admitted', change: () => {}, errors: [] },
  { name: 'a Service backend needs a port', change: (o) => delete o.spec.rules[0].backendRefs[0].port, errors: [{ path: `${R0}.backendRefs[0]`, message: 'Must have port for Service reference' }] },
  { name: 'at least one rule', change: (o) => (o.spec.rules = []), errors: [{ path: 'spec.rules', message: 'Invalid value: 0: should have at least 1 items' }] },
  { name: 'backend port in range', change: (o) => (o.spec.rules[0].backendRefs[0].port = 70000), errors: [{ path: `${R0}.backendRefs[0].port`, message: 'Invalid value: 70000: should be less than or equal to 65535' }] },
  {
    name: 'two refs to one parent need distinct sectionName or port',
    change: (o) => o.spec.parentRefs.push({ name: 'gw' }),
    errors: [{ path: 'spec.parentRefs', message: 'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent' }],
  },
  { name: 'the deprecated v1alpha2 is still served', change: (o) => (o.apiVersion = 'gateway.networking.k8s.io/v1alpha2'), errors: [] },
];
