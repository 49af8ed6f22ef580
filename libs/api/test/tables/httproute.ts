/** Admission cases (httproute); run by test/admit-httproute.test.ts and by the CEL fast-path cross-check. */
import { times, type Case } from '../cases.js';
const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
const rule = (n: number) => ({ matches: times(n, (i) => prefix(`/m${i}`)), backendRefs: [{ name: 'svc', port: 80 }] });
const filter = (type: string, body: object = {}) => ({ type, ...body });
const redirect = { requestRedirect: { scheme: 'https' } };
const rewrite = { urlRewrite: { hostname: 'example.com' } };
const headerMod = { requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }] } };
const R0 = 'spec.rules[0]';
const PATH_ERR = (msg: string) => ({ path: `${R0}.matches[0].path`, message: msg });

export const cases: Case[] = [
  { name: 'the valid route is admitted', change: () => {}, errors: [] },
  { name: 'at most 16 rules', change: (o) => (o.spec.rules = times(17, () => rule(1))), errors: [{ path: 'spec.rules', message: 'Too many: 17: must have at most 16 items' }] },
  { name: 'at most 64 matches per rule', change: (o) => (o.spec.rules = [rule(65)]), errors: [{ path: `${R0}.matches`, message: 'Too many: 65: must have at most 64 items' }] },
  { name: '64 matches in one rule are fine', change: (o) => (o.spec.rules = [rule(64)]), errors: [] },
  {
    name: 'at most 128 matches across all rules',
    change: (o) => (o.spec.rules = times(3, () => rule(43))),
    errors: [{ path: 'spec.rules', message: 'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128' }],
  },
  { name: '128 matches in all are fine', change: (o) => (o.spec.rules = [rule(64), rule(64)]), errors: [] },
  { name: 'paths start with /', change: (o) => (o.spec.rules[0].matches = [prefix('foo')]), errors: [PATH_ERR("value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']")] },
  { name: 'no // in paths', change: (o) => (o.spec.rules[0].matches = [prefix('/a//b')]), errors: [PATH_ERR("must not contain '//' when type one of ['Exact', 'PathPrefix']")] },
  { name: 'no /./ in paths', change: (o) => (o.spec.rules[0].matches = [prefix('/a/./b')]), errors: [PATH_ERR("must not contain '/./' when type one of ['Exact', 'PathPrefix']")] },
  { name: 'no %2F in paths', change: (o) => (o.spec.rules[0].matches = [prefix('/a%2Fb')]), errors: [PATH_ERR("must not contain '%2F' when type one of ['Exact', 'PathPrefix']")] },
  { name: 'no # in paths', change: (o) => (o.spec.rules[0].matches = [prefix('/a#b')]), errors: [PATH_ERR("must not contain '#' when type one of ['Exact', 'PathPrefix']"), PATH_ERR("must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']")] },
  { name: 'paths do not end with /..', change: (o) => (o.spec.rules[0].matches = [prefix('/a/..')]), errors: [PATH_ERR("must not end with '/..' when type one of ['Exact', 'PathPrefix']")] },
  {
    name: 'only URL path characters',
    change: (o) => (o.spec.rules[0].matches = [prefix('/a b')]),
    errors: [PATH_ERR("must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']")],
  },
  { name: 'regular expressions may hold any character', change: (o) => (o.spec.rules[0].matches = [{ path: { type: 'RegularExpression', value: '/a b.*' } }]), errors: [] },
  {
    name: 'path type is an enum',
    change: (o) => (o.spec.rules[0].matches = [{ path: { type: 'Prefix', value: '/' } }]),
    errors: [{ path: `${R0}.matches[0].path.type`, message: 'Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"' }],
  },
  { name: 'weight 0 is fine', change: (o) => (o.spec.rules[0].backendRefs[0].weight = 0), errors: [] },
  { name: 'weight 1,000,000 is fine', change: (o) => (o.spec.rules[0].backendRefs[0].weight = 1_000_000), errors: [] },
  { name: 'weight above 1,000,000', change: (o) => (o.spec.rules[0].backendRefs[0].weight = 1_000_001), errors: [{ path: `${R0}.backendRefs[0].weight`, message: 'Invalid value: 1000001: should be less than or equal to 1000000' }] },
  { name: 'negative weight', change: (o) => (o.spec.rules[0].backendRefs[0].weight = -1), errors: [{ path: `${R0}.backendRefs[0].weight`, message: 'Invalid value: -1: should be greater than or equal to 0' }] },
  { name: 'a Service backend needs a port', change: (o) => delete o.spec.rules[0].backendRefs[0].port, errors: [{ path: `${R0}.backendRefs[0]`, message: 'Must have port for Service reference' }] },
  { name: 'other backends need no port', change: (o) => (o.spec.rules[0].backendRefs[0] = { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'svc', port: 80 }), errors: [] },
  { name: 'hostnames are RFC 1123', change: (o) => (o.spec.hostnames = ['foo_bar.example.com']), errors: [{ path: 'spec.hostnames[0]', message: /^Invalid value: "foo_bar.example.com": should match / }] },
  { name: 'wildcard hostnames are fine', change: (o) => (o.spec.hostnames = ['*.example.com', 'example.com']), errors: [] },
  { name: 'an IP is not a hostname', change: (o) => (o.spec.hostnames = ['*']), errors: [{ path: 'spec.hostnames[0]' }] },
  { name: 'at most 16 hostnames', change: (o) => (o.spec.hostnames = times(17, (i) => `h${i}.example.com`)), errors: [{ path: 'spec.hostnames', message: 'Too many: 17: must have at most 16 items' }] },
  {
    name: 'two refs to one parent need distinct sectionName or port',
    change: (o) => o.spec.parentRefs.push({ name: 'gw' }),
    errors: [{ path: 'spec.parentRefs', message: 'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent' }],
  },
  {
    name: 'two refs to one parent set sectionName on both or neither',
    change: (o) => o.spec.parentRefs.push({ name: 'gw', sectionName: 'http' }),
    errors: [{ path: 'spec.parentRefs', message: 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent' }],
  },
  { name: 'two refs to one parent with section names are fine', change: (o) => (o.spec.parentRefs = [{ name: 'gw', sectionName: 'a' }, { name: 'gw', sectionName: 'b' }]), errors: [] },
  { name: 'at most 32 parentRefs', change: (o) => (o.spec.parentRefs = times(33, (i) => ({ name: `gw${i}` }))), errors: [{ path: 'spec.parentRefs', message: 'Too many: 33: must have at most 32 items' }] },
  {
    name: 'RequestRedirect and URLRewrite are not used together',
    change: (o) => {
      o.spec.rules[0].backendRefs = [];
      o.spec.rules[0].filters = [filter('RequestRedirect', redirect), filter('URLRewrite', rewrite)];
    },
    errors: [{ path: `${R0}.filters`, message: 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both' }],
  },
  {
    name: 'RequestRedirect is not used with backendRefs',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestRedirect', redirect)]),
    errors: [{ path: R0, message: 'RequestRedirect filter must not be used together with backendRefs' }],
  },
  {
    name: 'ReplacePrefixMatch only with one PathPrefix match',
    change: (o) => {
      o.spec.rules[0].matches = [{ path: { type: 'Exact', value: '/a' } }];
      o.spec.rules[0].filters = [filter('URLRewrite', { urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } })];
    },
    errors: [{ path: R0, message: 'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified' }],
  },
  {
    name: 'ReplacePrefixMatch with one PathPrefix match is fine',
    change: (o) => (o.spec.rules[0].filters = [filter('URLRewrite', { urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } })]),
    errors: [],
  },
  {
    name: 'ReplacePrefixMatch in a redirect needs one PathPrefix match',
    change: (o) => {
      o.spec.rules[0].backendRefs = [];
      o.spec.rules[0].matches = [prefix('/a'), prefix('/b')];
      o.spec.rules[0].filters = [filter('RequestRedirect', { requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/c' } } })];
    },
    errors: [{ path: R0, message: 'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified' }],
  },
  {
    name: 'the filter type must match its config field (config missing)',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestHeaderModifier')]),
    errors: [{ path: `${R0}.filters[0]`, message: 'filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type' }],
  },
  {
    name: 'the filter type must match its config field (other config)',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestHeaderModifier', { ...headerMod, ...rewrite })]),
    errors: [{ path: `${R0}.filters[0]`, message: 'filter.urlRewrite must be nil if the filter.type is not URLRewrite' }],
  },
  {
    name: 'RequestHeaderModifier at most once',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestHeaderModifier', headerMod), filter('RequestHeaderModifier', headerMod)]),
    errors: [{ path: `${R0}.filters`, message: 'RequestHeaderModifier filter cannot be repeated' }],
  },
  {
    name: 'RequestMirror may repeat',
    change: (o) => (o.spec.rules[0].filters = times(2, (i) => filter('RequestMirror', { requestMirror: { backendRef: { name: `m${i}`, port: 80 } } }))),
    errors: [],
  },
  {
    name: 'mirror percent and fraction are exclusive',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestMirror', { requestMirror: { backendRef: { name: 'm', port: 80 }, percent: 10, fraction: { numerator: 1, denominator: 10 } } })]),
    errors: [{ path: `${R0}.filters[0].requestMirror`, message: 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter' }],
  },
  {
    name: 'header names in a modifier are unique (list map)',
    change: (o) => (o.spec.rules[0].filters = [filter('RequestHeaderModifier', { requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }, { name: 'x-a', value: '2' }] } })]),
    errors: [{ path: `${R0}.filters[0].requestHeaderModifier.set[1]`, message: 'Duplicate value: {"name":"x-a"}' }],
  },
  {
    name: 'redirect status codes are an enum',
    change: (o) => {
      o.spec.rules[0].backendRefs = [];
      o.spec.rules[0].filters = [filter('RequestRedirect', { requestRedirect: { statusCode: 304 } })];
    },
    errors: [{ path: `${R0}.filters[0].requestRedirect.statusCode`, message: 'Unsupported value: 304: supported values: 301, 302, 303, 307, 308' }],
  },
  {
    name: 'backendRequest timeout is not longer than request timeout',
    change: (o) => (o.spec.rules[0].timeouts = { request: '1s', backendRequest: '2s' }),
    errors: [{ path: `${R0}.timeouts`, message: 'backendRequest timeout cannot be longer than request timeout' }],
  },
  { name: 'timeouts in order are fine', change: (o) => (o.spec.rules[0].timeouts = { request: '10s', backendRequest: '2s' }), errors: [] },
  {
    name: 'rule names are unique',
    change: (o) => (o.spec.rules = [{ ...rule(1), name: 'a' }, { ...rule(1), name: 'a' }]),
    errors: [{ path: 'spec.rules', message: 'Rule name must be unique within the route' }],
  },
];
