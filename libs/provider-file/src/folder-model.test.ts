import { describe, expect, it } from 'vitest';
import { FolderModel } from './folder-model.js';
import { yamlDecode } from '../test/yaml-decode.js';
import { configMap, docs, gateway, route } from '../test/manifests.js';

const model = () => {
  let n = 0;
  return new FolderModel('/cfg', yamlDecode, () => new Date('2025-01-01T00:00:00Z'), () => `uid-${++n}`);
};
const names = (s: { objects: { kind: string; metadata: { name: string } }[] } | undefined) =>
  s?.objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('FolderModel', () => {
  it('merges files in path order, then document order', () => {
    const m = model();
    m.read('b.yaml', docs(route('r2'), route('r1')));
    m.read('a.yaml', gateway('gw'));
    m.read('a/z.yaml', configMap('c', { k: 'v' }));
    const s = m.commit();
    expect(names(s)).toEqual(['Gateway/gw', 'ConfigMap/c', 'HTTPRoute/r2', 'HTTPRoute/r1']);
    expect(s?.errors).toEqual([]);
    expect(s?.version).toBe(1);
  });

  it('keeps an object with the file that defined it first when a later file defines it again', () => {
    const m = model();
    m.read('z.yaml', route('r1'));
    const first = m.commit()!;
    m.read('a.yaml', route('r1')); // earlier in path order, but new
    const s = m.commit()!;
    expect(s.objects).toEqual(first.objects);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]!.file).toBe('/cfg/a.yaml');
    expect(s.errors[0]!.message).toMatch(/also defined in \/cfg\/z\.yaml/);
    m.remove('z.yaml'); // the first definition goes away: the other one takes over
    const after = m.commit()!;
    expect(names(after)).toEqual(['HTTPRoute/r1']);
    expect(after.errors).toEqual([]);
  });

  it('reports nothing when a batch changes nothing', () => {
    const m = model();
    m.read('a.yaml', gateway('gw'));
    expect(m.commit()?.version).toBe(1);
    m.read('a.yaml', gateway('gw'));
    expect(m.commit()).toBeUndefined();
  });

  it('keeps the last good objects of a malformed file, reports the error with its line, and clears it when fixed', () => {
    const m = model();
    m.read('a.yaml', docs(gateway('gw'), route('r1')));
    const good = m.commit()!;
    m.read('a.yaml', docs(gateway('gw'), 'kind: HTTPRoute\nmetadata: {name: r1\n'));
    const broken = m.commit()!;
    expect(names(broken)).toEqual(['Gateway/gw', 'HTTPRoute/r1']);
    expect(broken.objects[1]).toBe(good.objects[1]);
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatchObject({ file: '/cfg/a.yaml', index: 1 });
    expect(broken.errors[0]!.line).toBeGreaterThan(13);
    m.read('a.yaml', docs(gateway('gw'), route('r1', { path: '/v2' })));
    const fixed = m.commit()!;
    expect(fixed.errors).toEqual([]);
    expect(fixed.objects[1]!.metadata.generation).toBe(2);
  });

  it('keeps the last good version of an invalid object; an invalid new object is absent; both errors are reported', () => {
    const m = model();
    m.read('a.yaml', gateway('gw', { port: 80 }));
    const good = m.commit()!;
    m.read('a.yaml', docs(gateway('gw', { port: 'eighty' }), gateway('gw2', { port: 0 })));
    const s = m.commit()!;
    expect(names(s)).toEqual(['Gateway/gw']);
    expect(s.objects[0]).toBe(good.objects[0]);
    expect(s.errors.map((e) => [e.name, e.path])).toEqual([
      ['gw', 'spec.listeners[0].port'],
      ['gw2', 'spec.listeners[0].port'],
    ]);
    // Removing the invalid object from a file that is otherwise fine removes its last good version too.
    m.read('a.yaml', gateway('gw3'));
    expect(names(m.commit())).toEqual(['Gateway/gw3']);
  });

  it('the same object in two files: the first path wins and the other is an error naming both', () => {
    const m = model();
    m.read('b.yaml', gateway('gw', { port: 81 }));
    m.read('a.yaml', gateway('gw', { port: 80 }));
    const s = m.commit()!;
    expect(s.objects).toHaveLength(1);
    expect((s.objects[0] as { spec: { listeners: { port: number }[] } }).spec.listeners[0]!.port).toBe(80);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ file: '/cfg/b.yaml', kind: 'Gateway', namespace: 'default', name: 'gw' });
    expect(s.errors[0]!.message).toContain('/cfg/a.yaml');
    m.remove('a.yaml');
    const after = m.commit()!;
    expect(after.errors).toEqual([]);
    expect((after.objects[0] as { spec: { listeners: { port: number }[] } }).spec.listeners[0]!.port).toBe(81);
  });

  it('keeps ownership through edits made while no object is defined twice, and after a duplicate comes and goes', () => {
    const m = model();
    m.read('m.yaml', gateway('gw', { port: 80 }));
    m.read('n.yaml', route('r1'));
    m.commit();
    // An edit of the owner's file (the merge without duplicates), then a copy in an earlier path.
    m.read('m.yaml', gateway('gw', { port: 81 }));
    const edited = m.commit()!;
    m.read('a.yaml', gateway('gw', { port: 82 }));
    const copied = m.commit()!;
    const port = (s: { objects: readonly unknown[] }) => (s.objects[0] as { spec: { listeners: { port: number }[] } }).spec.listeners[0]!.port;
    expect(port(copied)).toBe(81);
    expect(copied.objects[0]).toBe(edited.objects[0]);
    expect(copied.errors.map((e) => e.file)).toEqual(['/cfg/a.yaml']);
    // The copy goes: no duplicate left, m.yaml still owns it; then the owner's file goes: nothing left of gw.
    m.remove('a.yaml');
    const alone = m.commit()!;
    expect(alone.errors).toEqual([]);
    expect(alone.objects[0]).toBe(edited.objects[0]);
    // A file that stops defining an object (its ids change) and another that starts: order follows paths.
    m.read('n.yaml', route('r2'));
    m.read('b.yaml', route('r1'));
    expect(names(m.commit())).toEqual(['HTTPRoute/r1', 'Gateway/gw', 'HTTPRoute/r2']);
    m.remove('m.yaml');
    expect(names(m.commit())).toEqual(['HTTPRoute/r1', 'HTTPRoute/r2']);
    // Defined again in two new files at once: the first path wins.
    m.read('y.yaml', gateway('gw', { port: 90 }));
    m.read('x.yaml', gateway('gw', { port: 91 }));
    const again = m.commit()!;
    expect(port({ objects: again.objects.filter((o) => o.kind === 'Gateway') })).toBe(91);
    expect(again.errors.map((e) => e.file)).toEqual(['/cfg/y.yaml']);
  });

  it('keeps path order as files come and go, one at a time or many at once', () => {
    const m = model();
    const file = (i: number) => `f${String(i).padStart(3, '0')}.yaml`;
    for (let i = 0; i < 80; i += 2) m.read(file(i), route(`r${i}`));
    m.commit();
    m.read(file(41), route('r41'));
    m.remove(file(10));
    m.read(file(99), route('r99'));
    m.remove(file(99)); // came and went between two merges
    const expected = (nums: number[]) => nums.sort((a, b) => a - b).map((i) => `HTTPRoute/r${i}`);
    const evens = Array.from({ length: 40 }, (_, k) => 2 * k);
    expect(names(m.commit())).toEqual(expected([...evens.filter((i) => i !== 10), 41]));
    for (let i = 1; i < 80; i += 2) m.read(file(i), route(`r${i}`));
    expect(names(m.commit())).toEqual(expected(Array.from({ length: 80 }, (_, i) => i).filter((i) => i !== 10)));
  });

  it('the same object twice in one file: the first document wins', () => {
    const m = model();
    m.read('a.yaml', docs(route('r', { path: '/one' }), route('r', { path: '/two' })));
    const s = m.commit()!;
    expect(s.objects).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ index: 1, name: 'r' });
    expect(s.errors[0]!.message).toContain('documents 1 and 2');
  });

  it('a decoder that throws is a file error and the objects stay', () => {
    let n = 0;
    const m = new FolderModel('/cfg', (text, file) => {
      if (text.includes('boom')) throw new Error('decoder exploded');
      return yamlDecode(text, file);
    }, () => new Date(0), () => `u${++n}`);
    m.read('a.yaml', gateway('gw'));
    m.commit();
    m.read('a.yaml', 'boom');
    const s = m.commit()!;
    expect(names(s)).toEqual(['Gateway/gw']);
    expect(s.errors[0]!.message).toContain('decoder exploded');
  });
});
