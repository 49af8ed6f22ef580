import { describe, expect, it } from 'vitest';
import { OutlierDetector } from './outlier-detector.js';
import { RetryBudget } from './retry-budget.js';
import { SessionAffinity, cookieValue } from './session-affinity.js';
import { WeightedPicker } from './weighted-picker.js';

describe('WeightedPicker', () => {
  it('never picks weight 0 and spreads by weight', () => {
    const p = new WeightedPicker([
      { item: 'a', weight: 1 },
      { item: 'zero', weight: 0 },
      { item: 'b', weight: 3 },
    ]);
    expect(p.total).toBe(4);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const x = p.pick(i / 400)!;
      counts[x] = (counts[x] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 100, b: 300 });
  });
  it('returns undefined when every weight is 0 or the list is empty', () => {
    expect(new WeightedPicker([{ item: 'a', weight: 0 }]).pick()).toBeUndefined();
    expect(new WeightedPicker<string>([]).pick()).toBeUndefined();
  });
  it('always picks the only entry with a weight, whatever the draw', () => {
    const p = new WeightedPicker([
      { item: 'zero', weight: 0 },
      { item: 'only', weight: 5 },
    ]);
    expect(p.total).toBe(5);
    for (const r of [0, 0.5, 0.999]) expect(p.pick(r)).toBe('only');
  });
  it('takes items and weights as two lists, as the entries form would', () => {
    const items = ['a', 'zero', 'b'];
    const p = new WeightedPicker(items, [1, 0, 3]);
    const q = new WeightedPicker([
      { item: 'a', weight: 1 },
      { item: 'zero', weight: 0 },
      { item: 'b', weight: 3 },
    ]);
    expect(p.total).toBe(4);
    for (let i = 0; i < 40; i++) expect(p.pick(i / 40)).toBe(q.pick(i / 40));
    expect(new WeightedPicker(['x', 'y'], [1, 1]).pick(0.75)).toBe('y');
    expect(() => new WeightedPicker(['x'], [1, 2])).toThrow(/1 items but 2 weights/);
  });
});

describe('RetryBudget', () => {
  it('allows minRetries per interval, then a percentage of requests', () => {
    const b = new RetryBudget({ percent: 20, intervalMs: 10_000, minRetries: 1, minRetryIntervalMs: 1_000 });
    let t = 100_000;
    expect(b.tryAcquire(t)).toBe(true); // the minimum rate
    expect(b.tryAcquire(t)).toBe(false);
    for (let i = 0; i < 10; i++) b.onRequest(t);
    // 10 requests, 20 %: 2 retries in total in this window, one already used.
    expect(b.tryAcquire(t)).toBe(true);
    expect(b.tryAcquire(t)).toBe(false);
    t += 1_000;
    expect(b.tryAcquire(t)).toBe(true); // a new minimum-rate interval
    t += 10_000;
    expect(b.tryAcquire(t)).toBe(true); // new window: min rate again
    expect(b.tryAcquire(t)).toBe(false); // no requests counted in the new window yet
  });
});

describe('SessionAffinity', () => {
  const secret = Buffer.from('s3cret');
  const cookie = new SessionAffinity({ type: 'Cookie', name: 'sid', absoluteTimeoutMs: 10_000, idleTimeoutMs: 4_000 }, 'rule-1', secret);

  it('reads back a token it issued, and refuses forged, foreign or expired ones', () => {
    const token = cookie.issue('Service/ns/v1:80', '10.0.0.1:8080', 1000, 1000);
    const raw = ['Cookie', `a=b; sid=${token}`];
    expect(cookie.read(raw, 1002)).toEqual({ backend: 'Service/ns/v1:80', endpoint: '10.0.0.1:8080', issued: 1000 });
    expect(cookie.read(raw, 1005)).toBeNull(); // idle > 4 s
    expect(cookie.read(['Cookie', `sid=${cookie.issue('Service/ns/v1:80', '10.0.0.1:8080', 1000, 1009)}`], 1011)).toBeNull(); // absolute > 10 s
    const other = new SessionAffinity({ type: 'Cookie', name: 'sid' }, 'rule-2', secret);
    expect(other.read(raw, 1002)).toBeNull();
    const forged = `${Buffer.from('Service/ns/v2:80').toString('base64url')}${token.slice(token.indexOf('.'))}`;
    expect(cookie.read(['Cookie', `sid=${forged}`], 1002)).toBeNull();
    expect(cookie.read(['Cookie', 'sid=garbage'], 1002)).toBeNull();
  });

  it('hands tokens out as a cookie or a header', () => {
    expect(cookie.responseHeader('t')).toEqual(['set-cookie', 'sid=t; Path=/; HttpOnly']);
    const permanent = new SessionAffinity({ type: 'Cookie', name: 'sid', cookieLifetime: 'Permanent', absoluteTimeoutMs: 5_000 }, 'r', secret);
    expect(permanent.responseHeader('t')[1]).toBe('sid=t; Path=/; HttpOnly; Max-Age=5');
    const header = new SessionAffinity({ type: 'Header', name: 'X-Session' }, 'r', secret);
    expect(header.responseHeader('t')).toEqual(['x-session', 't']);
    const tok = header.issue('b', 'a:1', 5, 5);
    expect(header.read(['x-session', tok], 6)).toMatchObject({ endpoint: 'a:1' });
  });

  it('parses cookies', () => {
    expect(cookieValue(['cookie', 'a=1; b = 2 ;c=3'], 'b')).toBe('2');
    expect(cookieValue(['Cookie', 'a=1', 'cookie', 'c=3'], 'c')).toBe('3');
    expect(cookieValue(['x', 'y'], 'a')).toBeUndefined();
  });
});

describe('OutlierDetector', () => {
  it('ejects after consecutive errors, for longer each time, and lets the endpoint back', () => {
    const d = new OutlierDetector({ consecutiveErrors: 2, baseEjectionMs: 1000, maxEjectionPercent: 50 }, ['a', 'b']);
    d.onFailure('a', 0);
    d.onSuccess('a'); // the streak is broken
    d.onFailure('a', 0);
    expect(d.isEjected('a', 0)).toBe(false);
    d.onFailure('a', 0);
    expect(d.isEjected('a', 999)).toBe(true);
    expect(d.isEjected('a', 1000)).toBe(false);
    d.onFailure('a', 1000);
    d.onFailure('a', 1000);
    expect(d.isEjected('a', 2999)).toBe(true); // second ejection: 2 × base
    expect(d.isEjected('a', 3000)).toBe(false);
  });
  it('never ejects more than maxEjectionPercent of the endpoints', () => {
    const d = new OutlierDetector({ consecutiveErrors: 1, baseEjectionMs: 1000, maxEjectionPercent: 50 }, ['a', 'b']);
    d.onFailure('a', 0);
    d.onFailure('b', 0);
    expect([d.isEjected('a', 1), d.isEjected('b', 1)]).toEqual([true, false]);
  });
});
