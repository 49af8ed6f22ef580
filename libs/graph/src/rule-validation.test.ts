import { describe, expect, it } from 'vitest';
import { invalidRuleValue, regexProblem } from './rule-validation.js';

describe('invalidRuleValue', () => {
  it('accepts what the data plane serves', () => {
    expect(
      invalidRuleValue('HTTPRoute', {
        matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+/.*' }, headers: [{ type: 'RegularExpression', name: 'x', value: 'a|b' }] }],
        filters: [{ type: 'RequestHeaderModifier' }, { type: 'RequestMirror' }, { type: 'CORS' }, { type: 'ExtensionRef' }],
        backendRefs: [{ filters: [{ type: 'RequestHeaderModifier' }, { type: 'ResponseHeaderModifier' }] }],
      }),
    ).toBeUndefined();
    expect(invalidRuleValue('GRPCRoute', { matches: [{ method: { type: 'RegularExpression', service: 'a\\..*', method: 'Get|Put' } }] })).toBeUndefined();
    // L4 routes carry none of these fields.
    expect(invalidRuleValue('TCPRoute', { filters: [{ type: 'Anything' }] })).toBeUndefined();
  });

  it('names the field and the value of what it cannot serve', () => {
    expect(invalidRuleValue('HTTPRoute', { matches: [{ path: { type: 'RegularExpression', value: '/a(' } }] })).toMatch(/^matches\[0\]\.path\.value: "\/a\(" is not a valid regular expression/);
    expect(invalidRuleValue('HTTPRoute', { matches: [{}, { queryParams: [{ type: 'RegularExpression', name: 'q', value: '+' }] }] })).toMatch(/^matches\[1\]\.queryParams\[0\]\.value: /);
    expect(invalidRuleValue('GRPCRoute', { matches: [{ method: { type: 'RegularExpression', service: '[' } }] })).toMatch(/^matches\[0\]\.method\.service: /);
    expect(invalidRuleValue('GRPCRoute', { matches: [{ headers: [{ type: 'RegularExpression', name: 'x', value: '(?<' }] }] })).toMatch(/^matches\[0\]\.headers\[0\]\.value: /);
    expect(invalidRuleValue('HTTPRoute', { filters: [{ type: 'RequestHeaderModifier' }, { type: 'ExternalAuth' }] })).toBe('filters[1]: filter type ExternalAuth is not supported');
    // URLRewrite and redirects are HTTPRoute filters; a GRPCRoute cannot carry them.
    expect(invalidRuleValue('GRPCRoute', { filters: [{ type: 'URLRewrite' }] })).toBe('filters[0]: filter type URLRewrite is not supported');
    expect(invalidRuleValue('HTTPRoute', { backendRefs: [{}, { filters: [{ type: 'URLRewrite' }] }] })).toMatch(/^backendRefs\[1\]\.filters\[0\]: filter type URLRewrite is not supported on a backendRef/);
  });

  it('checks regular expressions as the data plane anchors them', () => {
    expect(regexProblem('.*')).toBeUndefined();
    expect(regexProblem('')).toBeUndefined();
    // Valid once wrapped, but not on its own (the IR validator compiles it alone).
    expect(regexProblem('a)|(b')).toBeDefined();
    // RE2 inline flags are not JavaScript syntax on Node 20.
    expect(regexProblem('(?i)abc')).toMatch(/JavaScript syntax/);
  });
});
