import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patches.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';

describe('patches', () => {
  it('merge patch: objects merge, null deletes, arrays replace', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });

  it('JSON patch: every operation, and errors for a missing path or a failed test', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    expect(
      applyJsonPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'copy', from: '/b/c', path: '/d' },
        { op: 'move', from: '/a/0', path: '/e' },
        { op: 'test', path: '/d', value: 'y' },
        { op: 'remove', path: '/b' },
      ]),
    ).toEqual({ a: [2, 3], d: 'y', e: 1 });
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(PatchError);
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'z' }])).toThrow(PatchError);
    expect(doc).toEqual({ a: [1, 2], b: { c: 'x' } });
  });

  it('strategic merge patch: lists merged by key, $patch delete and replace, $setElementOrder, primitive sets', () => {
    const meta = { 'spec.ports': { strategy: 'merge' as const, mergeKey: 'port' }, 'metadata.finalizers': { strategy: 'merge' as const } };
    const svc = { metadata: { finalizers: ['a/x'] }, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], selector: { app: 'x', tier: 'web' } } };
    expect(
      applyStrategicMergePatch(
        svc,
        {
          metadata: { finalizers: ['b/y'] },
          spec: { ports: [{ port: 8080, name: 'alt' }, { port: 80, $patch: 'delete' }], '$setElementOrder/ports': [{ port: 8080 }, { port: 443 }], selector: { $patch: 'replace', app: 'y' } },
        },
        meta,
      ),
    ).toEqual({ metadata: { finalizers: ['a/x', 'b/y'] }, spec: { ports: [{ port: 8080, name: 'alt' }, { port: 443, name: 'https' }], selector: { app: 'y' } } });
    expect(() => applyStrategicMergePatch(svc, { spec: { ports: [{ name: 'no-key' }] } }, meta)).toThrow(/merge key: port/);
  });
});

describe('selectors', () => {
  it('parses and matches label selectors', () => {
    const s = parseLabelSelector('app in (a,b),tier!=db,!legacy,env');
    expect(matchesLabels(s, { app: 'a', env: 'prod' })).toBe(true);
    expect(matchesLabels(s, { app: 'a', env: 'prod', tier: 'db' })).toBe(false);
    expect(matchesLabels(s, { app: 'a', env: 'prod', legacy: '' })).toBe(false);
    expect(matchesLabels(s, { app: 'c', env: 'prod' })).toBe(false);
    expect(() => parseLabelSelector('a=(b')).toThrow(SelectorError);
  });

  it('refuses field selectors on fields the resource does not support', () => {
    expect(parseFieldSelector('metadata.name=x,type!=y', ['metadata.name', 'type'])).toHaveLength(2);
    expect(() => parseFieldSelector('spec.x=1', ['metadata.name'])).toThrow('field label not supported: spec.x');
  });
});
