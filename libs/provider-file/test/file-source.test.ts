import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSource, FolderUnreadableError } from '../src/index.js';
import { configMap, docs, gateway, route } from './manifests.js';
import { find, names, pathOf, sleep, startRecorded, tempDir, waitUntil, type Recorded } from './support.js';
import { yamlDecode } from './yaml-decode.js';

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(files: Record<string, string>, options = {}): Promise<Recorded & { dir: string; write: (rel: string, text: string) => void }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const write = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  const rec = await startRecorded(dir, options);
  cleanups.push(() => rec.source.stop());
  return { ...rec, dir, write };
}

describe('file source', () => {
  it('loads the folder recursively, skipping hidden and temporary files, and reports it before start resolves', async () => {
    const t = await setup({
      'gateway.yaml': gateway('gw'),
      'routes/r.yml': route('r'),
      'routes/deep/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }),
      '.hidden.yaml': route('hidden'),
      '.git/x.yaml': route('in-git'),
      'gateway.yaml~': route('backup'),
      '#gateway.yaml#': route('autosave'),
      'notes.txt': 'not a manifest',
    });
    expect(t.states).toHaveLength(1);
    expect(names(t.latest())).toEqual(['Gateway/gw', 'ConfigMap/c', 'HTTPRoute/r']);
    expect(t.latest().errors).toEqual([]);
    expect(t.latest().version).toBe(1);
    for (const o of t.latest().objects) {
      expect(o.metadata.uid).toMatch(/^uid-\d+$/);
      expect(o.metadata.generation).toBe(1);
      expect(o.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(o.metadata.resourceVersion).toMatch(/^\d+$/);
    }
  });

  it('applies an edit without restart: generation bumps on a spec change only, uid and creationTimestamp stay', async () => {
    const t = await setup({ 'r.yaml': route('r', { path: '/a' }) });
    const first = find(t.latest(), 'HTTPRoute', 'r')!;

    t.write('r.yaml', route('r', { path: '/b' }));
    const edited = await t.waitFor((s) => pathOf(find(s, 'HTTPRoute', 'r')) === '/b', 'the spec edit');
    const r2 = find(edited, 'HTTPRoute', 'r')!;
    expect(r2.metadata).toMatchObject({ uid: first.metadata.uid, creationTimestamp: first.metadata.creationTimestamp, generation: 2 });
    expect(Number(r2.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(edited.version).toBeGreaterThan(1);

    t.write('r.yaml', route('r', { path: '/b' }).replace('metadata:\n', 'metadata:\n  labels: { team: blue }\n'));
    const labelled = await t.waitFor((s) => find(s, 'HTTPRoute', 'r')?.metadata.labels?.team === 'blue', 'the label edit');
    const r3 = find(labelled, 'HTTPRoute', 'r')!;
    expect(r3.metadata).toMatchObject({ uid: first.metadata.uid, creationTimestamp: first.metadata.creationTimestamp, generation: 2 });
    expect(Number(r3.metadata.resourceVersion)).toBeGreaterThan(Number(r2.metadata.resourceVersion));
  });

  it('ignores status written in a file', async () => {
    const t = await setup({ 'gw.yaml': gateway('gw') + 'status:\n  conditions: []\n' });
    expect(find(t.latest(), 'Gateway', 'gw')).not.toHaveProperty('status');
  });

  it('removes the objects of a deleted file; a re-created object gets a new uid', async () => {
    const t = await setup({ 'a.yaml': gateway('gw'), 'b.yaml': route('r') });
    const uid = find(t.latest(), 'HTTPRoute', 'r')!.metadata.uid;
    unlinkSync(join(t.dir, 'b.yaml'));
    await t.waitFor((s) => names(s).join() === 'Gateway/gw', 'the deletion');
    t.write('c.yaml', route('r'));
    const back = await t.waitFor((s) => find(s, 'HTTPRoute', 'r') !== undefined, 'the re-creation');
    expect(find(back, 'HTTPRoute', 'r')!.metadata.uid).not.toBe(uid);
    expect(find(back, 'HTTPRoute', 'r')!.metadata.generation).toBe(1);
  });

  it('keeps the last good objects of a malformed file, reports file and line, and clears the error when fixed', async () => {
    const t = await setup({ 'all.yaml': docs(gateway('gw'), route('r', { path: '/good' })) });
    const goodRoute = find(t.latest(), 'HTTPRoute', 'r');
    // Lines 1-11: the Gateway, 12: "---", 13: "kind: HTTPRoute", 14: the unclosed flow mapping, 15: where it fails.
    t.write('all.yaml', docs(gateway('gw'), 'kind: HTTPRoute\nmetadata: { name: r\nspec: {}\n'));
    const broken = await t.waitFor((s) => s.errors.length > 0, 'the YAML error');
    expect(find(broken, 'HTTPRoute', 'r')).toBe(goodRoute);
    expect(find(broken, 'Gateway', 'gw')).toBeDefined();
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatchObject({ file: join(t.dir, 'all.yaml'), index: 1 });
    expect(broken.errors[0]!.line).toBeGreaterThanOrEqual(14);
    expect(broken.errors[0]!.line).toBeLessThanOrEqual(16);

    t.write('all.yaml', docs(gateway('gw'), route('r', { path: '/fixed' })));
    const fixed = await t.waitFor((s) => s.errors.length === 0, 'the fix');
    expect(pathOf(find(fixed, 'HTTPRoute', 'r'))).toBe('/fixed');
  });

  it('keeps the last good version of an object that fails validation', async () => {
    const t = await setup({ 'gw.yaml': gateway('gw', { port: 80 }) });
    const good = find(t.latest(), 'Gateway', 'gw');
    t.write('gw.yaml', gateway('gw', { port: 70000 }));
    const s = await t.waitFor((x) => x.errors.length > 0, 'the validation error');
    expect(find(s, 'Gateway', 'gw')).toBe(good);
    expect(s.errors[0]).toMatchObject({ kind: 'Gateway', name: 'gw', path: 'spec.listeners[0].port', file: join(t.dir, 'gw.yaml') });
    t.write('gw.yaml', gateway('gw', { port: 8080 }));
    const fixed = await t.waitFor((x) => x.errors.length === 0, 'the fix');
    expect(find(fixed, 'Gateway', 'gw')!.metadata.generation).toBe(2);
  });

  it('atomic saves (write a temporary file, rename it over) never report a state without the objects', async () => {
    const t = await setup({ 'gw.yaml': docs(gateway('gw'), route('r', { path: '/v0' })) });
    for (let i = 1; i <= 20; i++) {
      writeFileSync(join(t.dir, '.gw.yaml.tmp'), docs(gateway('gw'), route('r', { path: `/v${i}` })));
      renameSync(join(t.dir, '.gw.yaml.tmp'), join(t.dir, 'gw.yaml'));
      await sleep(i % 3 === 0 ? 80 : 5);
    }
    await t.waitFor((s) => pathOf(find(s, 'HTTPRoute', 'r')) === '/v20', 'the last save');
    for (const s of t.states) expect(names(s)).toEqual(['Gateway/gw', 'HTTPRoute/r']);
  });

  it('a file briefly missing (rename away, then write) or briefly empty (truncate, then write) keeps its objects', async () => {
    const t = await setup({ 'gw.yaml': docs(gateway('gw'), route('r', { path: '/v0' })) });
    // An editor that renames the original to a backup and then writes the new file.
    renameSync(join(t.dir, 'gw.yaml'), join(t.dir, 'gw.yaml~'));
    await sleep(120); // longer than the debounce: a batch sees the file missing
    t.write('gw.yaml', docs(gateway('gw'), route('r', { path: '/v1' })));
    await t.waitFor((s) => pathOf(find(s, 'HTTPRoute', 'r')) === '/v1', 'the rename-and-write save');
    // A writer that truncates, pauses, then writes.
    writeFileSync(join(t.dir, 'gw.yaml'), '');
    await sleep(120);
    t.write('gw.yaml', docs(gateway('gw'), route('r', { path: '/v2' })));
    await t.waitFor((s) => pathOf(find(s, 'HTTPRoute', 'r')) === '/v2', 'the truncate-and-write save');
    for (const s of t.states) expect(names(s)).toEqual(['Gateway/gw', 'HTTPRoute/r']);
    // An empty file that stays empty is believed after the grace time.
    writeFileSync(join(t.dir, 'gw.yaml'), '');
    await t.waitFor((s) => s.objects.length === 0, 'the emptied file');
  });

  it('a burst of 50 writes within the debounce window yields few states', async () => {
    const t = await setup({ 'c.yaml': configMap('c', { n: '0' }) }, { debounceMs: 100 });
    for (let i = 1; i <= 50; i++) writeFileSync(join(t.dir, 'c.yaml'), configMap('c', { n: String(i) }));
    const done = await t.waitFor((s) => (find(s, 'ConfigMap', 'c') as { data?: { n?: string } })?.data?.n === '50', 'the last write');
    await sleep(300); // nothing more may follow
    const after = t.states.length - 1;
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(3);
    expect(t.latest()).toBe(done);
  });

  it('picks up new files in new subfolders, and removes a deleted subfolder', async () => {
    const t = await setup({ 'gw.yaml': gateway('gw') });
    mkdirSync(join(t.dir, 'team-a', 'routes'), { recursive: true });
    writeFileSync(join(t.dir, 'team-a', 'routes', 'r.yaml'), route('r'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r') !== undefined, 'the file in a new subfolder');
    writeFileSync(join(t.dir, 'team-a', 'routes', 'r2.yaml'), route('r2'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r2') !== undefined, 'a second file in that subfolder');
    (await import('node:fs')).rmSync(join(t.dir, 'team-a'), { recursive: true });
    await t.waitFor((s) => names(s).join() === 'Gateway/gw', 'the removal of the subfolder');
  });

  it('lists the folder when an event names a folder, even one with a manifest\'s name, and sees renames away from manifest names', async () => {
    const t = await setup({ 'gw.yaml': gateway('gw') });
    // A folder named like a manifest, its file written after the folder's event.
    mkdirSync(join(t.dir, 'extra.yaml'));
    writeFileSync(join(t.dir, 'extra.yaml', 'r.yaml'), route('r'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r') !== undefined, 'the file in a folder named extra.yaml');
    // A manifest renamed to a name that is not read (a backup): its objects go, after the grace time.
    writeFileSync(join(t.dir, 'r2.yaml'), route('r2'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r2') !== undefined, 'r2');
    renameSync(join(t.dir, 'r2.yaml'), join(t.dir, 'r2.yaml.bak'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r2') === undefined, 'r2 gone with its rename');
    expect(names(t.latest()).sort()).toEqual(['Gateway/gw', 'HTTPRoute/r']);
  });

  it('reports the same object in two files as an error naming both, and resolves it when one goes', async () => {
    const t = await setup({ 'a.yaml': route('r', { path: '/a' }), 'b.yaml': route('r', { path: '/b' }) });
    expect(pathOf(find(t.latest(), 'HTTPRoute', 'r'))).toBe('/a');
    expect(t.latest().errors).toHaveLength(1);
    const err = t.latest().errors[0]!;
    expect(err.file).toBe(join(t.dir, 'b.yaml'));
    expect(err.message).toContain(join(t.dir, 'a.yaml'));
    unlinkSync(join(t.dir, 'a.yaml'));
    const s = await t.waitFor((x) => x.errors.length === 0, 'the duplicate to clear');
    expect(pathOf(find(s, 'HTTPRoute', 'r'))).toBe('/b');
  });

  it('stop() closes the watch and reports nothing afterwards', async () => {
    const watches = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    // Closing a watch releases its handles on a later tick: wait (bounded) for earlier tests' watches to go.
    await waitUntil(() => watches() === 0, 'no watch open before the test');
    const t = await setup({ 'gw.yaml': gateway('gw') });
    expect(watches()).toBeGreaterThan(0);
    t.write('r.yaml', route('r'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r') !== undefined, 'a change while running');
    await t.source.stop();
    const count = t.states.length;
    await waitUntil(() => watches() === 0, 'the watch handles to close');
    t.write('r2.yaml', route('r2'));
    unlinkSync(join(t.dir, 'gw.yaml'));
    await sleep(400); // longer than debounce + grace: anything still armed would have fired
    expect(t.states).toHaveLength(count);
    await t.source.stop(); // idempotent
  });

  it('start() rejects with a clear error for a missing folder or a file', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const missing = createFileSource({ dir: join(dir, 'nope'), decode: yamlDecode });
    await expect(missing.start(() => undefined)).rejects.toBeInstanceOf(FolderUnreadableError);
    writeFileSync(join(dir, 'f.yaml'), '');
    await expect(createFileSource({ dir: join(dir, 'f.yaml'), decode: yamlDecode }).start(() => undefined)).rejects.toThrow(/is not a folder/);
  });

  it('catches changes the watcher missed with the periodic resync', async () => {
    const t = await setup({ 'gw.yaml': gateway('gw') }, { resyncMs: 200 });
    // Simulate a lost event: a change the source learns of only through the resync listing.
    (t.source as unknown as { watch: { close(): void } }).watch.close();
    t.write('r.yaml', route('r'));
    await t.waitFor((s) => find(s, 'HTTPRoute', 'r') !== undefined, 'the resync to find the new file');
  });
});
