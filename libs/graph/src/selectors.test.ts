import { describe, expect, it } from 'vitest';
import { selectorMatches } from './selectors.js';

describe('selectorMatches', () => {
  const labels = { team: 'apps', tier: 'web' };
  it('evaluates matchLabels and every matchExpressions operator', () => {
    expect(selectorMatches(undefined, labels)).toBe(true);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'apps' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'ops' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Bogus' }] }, labels)).toBe(false);
  });
});
