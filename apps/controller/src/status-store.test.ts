import { describe, expect, it } from 'vitest';
import type { StatusUpdate } from '@portway/status';
import { StatusStore } from './status-store.js';

const route = (name: string, reason: string): StatusUpdate => ({ kind: 'HTTPRoute', namespace: 'default', name, status: { parents: [{ reason }] } });

describe('StatusStore', () => {
  it('counts as writes only statuses that changed, whether handed over as the same objects or as equal copies', () => {
    const store = new StatusStore();
    const writes: string[][] = [];
    store.onChange((changed, removed) => writes.push([...changed.map((u) => u.name), ...removed.map((k) => `-${k}`)]));
    const a = route('a', 'Accepted');
    const b = route('b', 'Accepted');
    expect(store.replace([], [a, b])).toBe(2);
    // The same update objects again: nothing to write.
    expect(store.replace([], [a, b])).toBe(0);
    // Equal copies: nothing to write either, and the copy is what is stored from now on.
    const b2 = route('b', 'Accepted');
    expect(store.replace([], [a, b2])).toBe(0);
    expect(store.statusOf('HTTPRoute', 'default', 'b')).toBe(b2.status);
    // A changed status is one write.
    const b3 = route('b', 'NotAllowedByListeners');
    expect(store.replace([], [a, b3])).toBe(1);
    expect(store.statusOf('HTTPRoute', 'default', 'b')).toEqual({ parents: [{ reason: 'NotAllowedByListeners' }] });
    expect(writes).toEqual([['a', 'b'], ['b']]);
  });

  it('removes the status of an object left out, and counts it again when the same update object comes back', () => {
    const store = new StatusStore();
    const a = route('a', 'Accepted');
    const b = route('b', 'Accepted');
    store.replace([], [a, b]);
    const removed: string[] = [];
    store.onChange((_changed, gone) => removed.push(...gone));
    expect(store.replace([], [a])).toBe(1);
    expect(removed).toEqual(['HTTPRoute/default/b']);
    expect(store.statusOf('HTTPRoute', 'default', 'b')).toBeUndefined();
    // The update object remembered from before the removal does not count as stored.
    expect(store.replace([], [a, b])).toBe(1);
    expect(store.statusOf('HTTPRoute', 'default', 'b')).toBe(b.status);
    expect(store.previous().size).toBe(2);
    expect(store.writeCount()).toBe(3);
  });

  it('keeps one status per object when an update object repeats within a call', () => {
    const store = new StatusStore();
    const a = route('a', 'Accepted');
    expect(store.replace([], [a, a])).toBe(1);
    expect(store.replace([], [a])).toBe(0);
    expect(store.previous().size).toBe(1);
  });

  it('skips a part handed over as the same array as in the last call, and still removes what other parts lost', () => {
    const store = new StatusStore();
    const routes = [route('a', 'Accepted'), route('b', 'Accepted')];
    const gw = (reason: string): StatusUpdate => ({ kind: 'Gateway', namespace: 'default', name: 'gw', status: { reason } });
    const svcImport: StatusUpdate = { kind: 'ServiceImport', namespace: 'default', name: 'si', status: { clusters: ['east'] } };
    expect(store.replace([], [gw('Pending')], routes, [svcImport])).toBe(4);
    // Same routes array: only the Gateway's new status is written; the import that is gone is removed.
    const removed: string[] = [];
    store.onChange((_c, gone) => removed.push(...gone));
    expect(store.replace([], [gw('Programmed')], routes, [])).toBe(2);
    expect(removed).toEqual(['ServiceImport/default/si']);
    expect(store.statusOf('HTTPRoute', 'default', 'a')).toBe(routes[0]!.status);
    expect(store.previous().size).toBe(3);
    // A new routes array without b: b loses its status; the array after it is reused again.
    const fewer = [routes[0]!];
    expect(store.replace([], [gw('Programmed')], fewer)).toBe(1);
    expect(store.statusOf('HTTPRoute', 'default', 'b')).toBeUndefined();
    expect(store.replace([], [gw('Programmed')], fewer)).toBe(0);
    expect(store.previous().size).toBe(2);
    // A part absent from the last call is stored again in full, even as the same array.
    store.replace([], [gw('Programmed')]);
    expect(store.previous().size).toBe(1);
    expect(store.replace([], [gw('Programmed')], fewer)).toBe(1);
    expect(store.statusOf('HTTPRoute', 'default', 'a')).toBe(routes[0]!.status);
  });
});
