import { describe, expect, it } from 'vitest';
import { FlowHashPicker, flowHash } from './flow-hash.js';
import { MaglevTable } from './maglev.js';

function flows(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(flowHash(`10.0.${(i >> 8) & 0xff}.${i & 0xff}`, 1024 + (i % 50_000)));
  return out;
}

describe('flowHash', () => {
  it('is a pure function of address and port, and tells flows apart', () => {
    expect(flowHash('127.0.0.1', 5353)).toBe(flowHash('127.0.0.1', 5353));
    expect(flowHash('127.0.0.1', 5353)).not.toBe(flowHash('127.0.0.1', 5354));
    expect(flowHash('127.0.0.1', 5353)).not.toBe(flowHash('127.0.0.2', 5353));
    expect(new Set(flows(10_000)).size).toBeGreaterThan(9_990);
  });
});

describe('FlowHashPicker (weighted rendezvous)', () => {
  it('splits flows by weight and never picks weight 0', () => {
    const p = new FlowHashPicker([
      { item: 'v1', weight: 70, key: 'v1' },
      { item: 'v2', weight: 30, key: 'v2' },
      { item: 'v3', weight: 0, key: 'v3' },
    ]);
    const count: Record<string, number> = {};
    const hs = flows(20_000);
    for (const h of hs) count[p.pick(h)!] = (count[p.pick(h)!] ?? 0) + 1;
    expect(count['v3']).toBeUndefined();
    expect(Math.abs(count['v1']! / hs.length - 0.7)).toBeLessThan(0.02);
  });

  it('gives the same answer for the same flow, in any instance built from the same entries', () => {
    const entries = [
      { item: 'a', weight: 1, key: 'A' },
      { item: 'b', weight: 3, key: 'B' },
    ];
    const p1 = new FlowHashPicker(entries);
    const p2 = new FlowHashPicker([...entries]);
    for (const h of flows(1000)) expect(p2.pick(h)).toBe(p1.pick(h));
  });

  it('moves only the flows a new backend takes when one is added', () => {
    const before = new FlowHashPicker([
      { item: 'a', weight: 1, key: 'A' },
      { item: 'b', weight: 1, key: 'B' },
    ]);
    const after = new FlowHashPicker([
      { item: 'a', weight: 1, key: 'A' },
      { item: 'b', weight: 1, key: 'B' },
      { item: 'c', weight: 1, key: 'C' },
    ]);
    let moved = 0;
    for (const h of flows(6000)) {
      const x = after.pick(h);
      if (x !== before.pick(h)) {
        moved++;
        expect(x).toBe('c');
      }
    }
    expect(moved / 6000).toBeGreaterThan(0.28);
    expect(moved / 6000).toBeLessThan(0.39);
  });

  it('returns undefined with no positive weight', () => {
    expect(new FlowHashPicker([{ item: 'a', weight: 0, key: 'A' }]).pick(123)).toBeUndefined();
    expect(new FlowHashPicker<string>([]).pick(123)).toBeUndefined();
  });
});

describe('MaglevTable', () => {
  const eps = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `10.1.0.${i}:53`, item: `e${i}` }));

  it('spreads flows evenly and does not depend on entry order', () => {
    const t1 = new MaglevTable(eps(5));
    const t2 = new MaglevTable([...eps(5)].reverse());
    const count: Record<string, number> = {};
    const hs = flows(20_000);
    for (const h of hs) {
      const e = t1.lookup(h)!;
      expect(t2.lookup(h)).toBe(e);
      count[e] = (count[e] ?? 0) + 1;
    }
    for (const c of Object.values(count)) expect(Math.abs(c / hs.length - 0.2)).toBeLessThan(0.03);
  });

  it('moves little more than the removed entry share when one entry goes', () => {
    const before = new MaglevTable(eps(5));
    const after = new MaglevTable(eps(5).filter((e) => e.item !== 'e2'));
    let moved = 0;
    const hs = flows(10_000);
    for (const h of hs) if (before.lookup(h) !== 'e2' && after.lookup(h) !== before.lookup(h)) moved++;
    expect(moved / hs.length).toBeLessThan(0.05);
  });

  it('handles zero and one entry', () => {
    expect(new MaglevTable<string>([]).lookup(1)).toBeUndefined();
    expect(new MaglevTable([{ key: 'k', item: 'only' }]).lookup(99)).toBe('only');
  });
});
