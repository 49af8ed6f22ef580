import { describe, expect, it } from 'vitest';
import { gatewayPlacement, parseClusterList, parsePlacementRules, PLACEMENT_ANNOTATION, placementTargets } from './placement.js';

describe('placement', () => {
  it('parses cluster lists: trimmed, sorted, unique; empty and bad names are errors', () => {
    expect(parseClusterList(' west, east ,east')).toEqual({ clusters: ['east', 'west'] });
    expect(parseClusterList(' , ')).toEqual({ error: 'names no cluster' });
    expect(parseClusterList('east,we st')).toEqual({ error: `"we st" is not a cluster name (letters, digits, '.', '_', '-')` });
  });

  it('parses --cluster-placement: a default and per-Gateway rules, with clear errors', () => {
    expect(parsePlacementRules(['east', 'infra/edge=west,east'])).toEqual({ defaultClusters: ['east'], gateways: { 'infra/edge': ['east', 'west'] } });
    expect(() => parsePlacementRules(['east', 'west'])).toThrow(/a default placement is already given/);
    expect(() => parsePlacementRules(['edge=east'])).toThrow(/expected namespace\/name=clusters/);
    expect(() => parsePlacementRules(['infra/edge='])).toThrow(/"infra\/edge=": names no cluster/);
  });

  it('a rule for the Gateway wins over its annotation, which wins over the default', () => {
    const rules = parsePlacementRules(['central', 'infra/edge=east']);
    expect(gatewayPlacement('infra/edge', { [PLACEMENT_ANNOTATION]: 'west' }, rules)).toEqual({ kind: 'clusters', clusters: ['east'], source: 'option' });
    expect(gatewayPlacement('infra/other', { [PLACEMENT_ANNOTATION]: 'west' }, rules)).toEqual({ kind: 'clusters', clusters: ['west'], source: 'annotation' });
    expect(gatewayPlacement('infra/other', {}, rules)).toEqual({ kind: 'clusters', clusters: ['central'], source: 'option' });
    expect(gatewayPlacement('infra/other', undefined, { gateways: {} })).toEqual({ kind: 'everywhere' });
  });

  it('an invalid annotation places the Gateway nowhere, with a message naming it', () => {
    const p = gatewayPlacement('infra/edge', { [PLACEMENT_ANNOTATION]: '' }, { gateways: {} });
    expect(p).toEqual({ kind: 'invalid', message: 'Annotation portway.dev/clusters "" names no cluster' });
    expect(placementTargets(p, ['east'])).toEqual([]);
  });

  it('everywhere means every known cluster; a list is taken as it is, known or not', () => {
    expect(placementTargets({ kind: 'everywhere' }, ['west', 'east', 'west'])).toEqual(['east', 'west']);
    expect(placementTargets({ kind: 'clusters', clusters: ['north'], source: 'annotation' }, ['east'])).toEqual(['north']);
  });
});
