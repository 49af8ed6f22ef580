import { describe, expect, it } from 'vitest';
import type { AnyObject } from '@portway/api';
import { Admission, rfc3339Seconds } from './admission.js';

const clock = (start: string) => {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
};
const uids = () => {
  let n = 0;
  return () => `uid-${++n}`;
};
const gw = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): AnyObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', ...extra }, spec }) as AnyObject;

describe('Admission', () => {
  it('fills uid, creationTimestamp (whole seconds), generation 1 and a resourceVersion on create', () => {
    const c = clock('2025-03-04T05:06:07.890Z');
    const [o] = new Admission(c.now, uids()).admit([gw({ gatewayClassName: 'a' })]);
    expect(o!.metadata).toEqual({
      name: 'gw',
      namespace: 'default',
      uid: 'uid-1',
      creationTimestamp: '2025-03-04T05:06:07Z',
      generation: 1,
      resourceVersion: '1',
    });
  });

  it('bumps generation only when spec changes, resourceVersion on any change, and keeps uid and creationTimestamp', () => {
    const c = clock('2025-03-04T05:06:07Z');
    const a = new Admission(c.now, uids());
    const [v1] = a.admit([gw({ gatewayClassName: 'a' })]);
    c.advance(5000);
    const [v2] = a.admit([gw({ gatewayClassName: 'a' }, { labels: { team: 'x' } })]);
    expect(v2!.metadata).toMatchObject({ uid: 'uid-1', generation: 1, resourceVersion: '2', creationTimestamp: '2025-03-04T05:06:07Z' });
    const [v3] = a.admit([gw({ gatewayClassName: 'b' }, { labels: { team: 'x' } })]);
    expect(v3!.metadata).toMatchObject({ uid: 'uid-1', generation: 2, resourceVersion: '3', creationTimestamp: v1!.metadata.creationTimestamp });
    // Deep comparison: an equal spec built anew is no change at all, and the same object is returned.
    const [v4] = a.admit([gw({ gatewayClassName: 'b' }, { labels: { team: 'x' } })]);
    expect(v4).toBe(v3);
  });

  it('ignores status and server-owned metadata given in the file', () => {
    const a = new Admission(clock('2025-01-01T00:00:00Z').now, uids());
    const input = { ...gw({ x: 1 }, { uid: 'mine', generation: 9, resourceVersion: '77' }), status: { conditions: [] } } as AnyObject;
    const [o] = a.admit([input]);
    expect(o).not.toHaveProperty('status');
    expect(o!.metadata).toMatchObject({ uid: 'uid-1', generation: 1, resourceVersion: '1' });
    // A status edit alone changes nothing.
    const [same] = a.admit([{ ...input, status: { conditions: [{ type: 'Programmed' }] } } as AnyObject]);
    expect(same).toBe(o);
  });

  it('keeps a creationTimestamp given by the file', () => {
    const a = new Admission(clock('2025-01-01T00:00:00Z').now, uids());
    const [o] = a.admit([gw({}, { creationTimestamp: '2020-02-02T02:02:02Z' })]);
    expect(o!.metadata.creationTimestamp).toBe('2020-02-02T02:02:02Z');
  });

  it('gives a new uid and generation 1 after delete and create', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const a = new Admission(c.now, uids());
    a.admit([gw({ v: 1 })]);
    a.admit([gw({ v: 2 })]);
    a.admit([]);
    c.advance(61_000);
    const [o] = a.admit([gw({ v: 2 })]);
    expect(o!.metadata).toMatchObject({ uid: 'uid-2', generation: 1, creationTimestamp: '2025-01-01T00:01:01Z' });
  });

  it('keeps generation 1 for objects without spec', () => {
    const a = new Admission(clock('2025-01-01T00:00:00Z').now, uids());
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { k: v } }) as AnyObject;
    a.admit([cm('1')]);
    const [o] = a.admit([cm('2')]);
    expect(o!.metadata).toMatchObject({ generation: 1, resourceVersion: '2' });
  });

  it('formats RFC 3339 with whole seconds', () => {
    expect(rfc3339Seconds(new Date('2025-12-31T23:59:59.999Z'))).toBe('2025-12-31T23:59:59Z');
  });
});
