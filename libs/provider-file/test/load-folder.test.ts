import { mkdirSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderUnreadableError, loadFolder } from '../src/index.js';
import { docs, gateway, route } from './manifests.js';
import { find, names, pathOf, startRecorded, tempDir } from './support.js';
import { yamlDecode } from './yaml-decode.js';

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});
const dir = () => {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
};

describe('loadFolder', () => {
  it('reads a folder once, with the same rules as the watched source', async () => {
    const d = dir();
    mkdirSync(join(d, 'routes'));
    writeFileSync(join(d, 'gw.yaml'), docs(gateway('gw'), gateway('bad', { port: 'x' })));
    writeFileSync(join(d, 'routes', 'r.yaml'), route('r'));
    writeFileSync(join(d, 'routes', 'broken.yaml'), 'kind: [');
    const s = await loadFolder(d, yamlDecode, { now: () => new Date('2025-06-01T10:00:00.5Z'), newUid: () => 'fixed' });
    expect(names(s)).toEqual(['Gateway/gw', 'HTTPRoute/r']);
    expect(s.objects[0]!.metadata).toMatchObject({ uid: 'fixed', generation: 1, creationTimestamp: '2025-06-01T10:00:00Z' });
    expect(s.errors.map((e) => [e.file, e.name])).toEqual([
      [join(d, 'gw.yaml'), 'bad'],
      [join(d, 'routes', 'broken.yaml'), undefined],
    ]);
    expect(s.errors[1]!.line).toBe(1);
  });

  it('rejects a folder that does not exist', async () => {
    await expect(loadFolder(join(dir(), 'missing'), yamlDecode)).rejects.toBeInstanceOf(FolderUnreadableError);
  });
});

describe('file source over a ConfigMap volume', () => {
  it('follows the atomic swap of the ..data symlink', async () => {
    // The layout the kubelet writes: visible names are symlinks into ..data, itself a symlink to a
    // timestamped folder; an update writes a new folder and renames a new ..data link over the old one.
    const d = dir();
    mkdirSync(join(d, '..2025_01'));
    writeFileSync(join(d, '..2025_01', 'routes.yaml'), route('r', { path: '/one' }));
    symlinkSync('..2025_01', join(d, '..data'));
    symlinkSync('..data/routes.yaml', join(d, 'routes.yaml'));
    const t = await startRecorded(d);
    cleanups.push(() => t.source.stop());
    expect(names(t.latest())).toEqual(['HTTPRoute/r']);

    mkdirSync(join(d, '..2025_02'));
    writeFileSync(join(d, '..2025_02', 'routes.yaml'), route('r', { path: '/two' }));
    symlinkSync('..2025_02', join(d, '..data_tmp'));
    renameSync(join(d, '..data_tmp'), join(d, '..data'));
    const s = await t.waitFor((x) => pathOf(find(x, 'HTTPRoute', 'r')) === '/two', 'the swapped ConfigMap content');
    expect(find(s, 'HTTPRoute', 'r')!.metadata.generation).toBe(2);
    for (const x of t.states) expect(names(x)).toEqual(['HTTPRoute/r']);
  });
});
