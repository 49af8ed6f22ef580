import { describe, expect, it } from 'vitest';
import { mergeStatus, statusDiffers } from './status-merge.js';

const OURS = 'portway.dev/gateway-controller';
const cond = (type: string, status: string, time: string) => ({ type, status, reason: type, message: '', lastTransitionTime: time, observedGeneration: 1 });
const parent = (name: string, controllerName: string, status: string, time: string) => ({
  parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name },
  controllerName,
  conditions: [cond('Accepted', status, time)],
});

describe('mergeStatus', () => {
  it("keeps other controllers' parents and replaces Portway's", () => {
    const live = { parents: [parent('a', 'example.net/x', 'True', 't0'), parent('gw', OURS, 'True', 't0'), parent('old', OURS, 'True', 't0')] };
    const merged = mergeStatus(live, { parents: [parent('gw', OURS, 'False', 't1')] }, OURS);
    expect(merged.parents.map((p: any) => `${p.controllerName} ${p.parentRef.name} ${p.conditions[0].status} ${p.conditions[0].lastTransitionTime}`)).toEqual([
      'example.net/x a True t0',
      `${OURS} gw False t1`,
    ]);
  });

  it('keeps the live transition time of a condition whose status did not change', () => {
    const live = { conditions: [cond('Accepted', 'True', 't0'), cond('Programmed', 'False', 't0')], listeners: [{ name: 'http', conditions: [cond('Accepted', 'True', 't0')] }] };
    const desired = { conditions: [cond('Accepted', 'True', 't1'), cond('Programmed', 'True', 't1')], listeners: [{ name: 'http', conditions: [cond('Accepted', 'True', 't1')] }] };
    const merged = mergeStatus(live, desired, OURS);
    expect(merged.conditions.map((c: any) => c.lastTransitionTime)).toEqual(['t0', 't1']);
    expect(merged.listeners[0].conditions[0].lastTransitionTime).toBe('t0');
  });

  it("clears only Portway's entries when Portway has nothing more to say", () => {
    const live = { parents: [parent('a', 'example.net/x', 'True', 't0'), parent('gw', OURS, 'True', 't0')] };
    expect(mergeStatus(live, { parents: [] }, OURS).parents).toEqual([live.parents[0]]);
  });
});

describe('statusDiffers', () => {
  it('ignores the position of shared entries, and sees real changes', () => {
    const a = parent('a', 'example.net/x', 'True', 't0');
    const b = parent('gw', OURS, 'True', 't0');
    expect(statusDiffers({ parents: [b, a] }, { parents: [a, b] })).toBe(false);
    expect(statusDiffers({ parents: [a] }, { parents: [a, b] })).toBe(true);
    expect(statusDiffers(undefined, { conditions: [] })).toBe(true);
    expect(statusDiffers({ conditions: [cond('Accepted', 'True', 't0')] }, { conditions: [cond('Accepted', 'True', 't0')] })).toBe(false);
  });
});
