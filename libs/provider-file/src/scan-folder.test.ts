import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanFolder, signatureOf } from './scan-folder.js';

describe('scanFolder', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'portway-scan-'));
    dirs.push(d);
    return d;
  };

  it('stats every file without reuse, and only suspect or unknown files with it', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'sub'));
    for (const f of ['a.yaml', 'b.yaml', 'sub/c.yaml']) writeFileSync(join(dir, f), 'kind: X\n');
    const full = await scanFolder(dir);
    expect([...full.files.keys()]).toEqual(['a.yaml', 'b.yaml', 'sub/c.yaml']);
    expect(full.files.get('a.yaml')).toBe(signatureOf(statSync(join(dir, 'a.yaml'))));
    expect(full.dirs).toEqual(['', 'sub']);

    // Signatures carried over stay as given (not stat'ed); suspects and new files are stat'ed.
    writeFileSync(join(dir, 'd.yaml'), 'kind: Y\n');
    const previous = new Map([
      ['a.yaml', 'carried-a'],
      ['b.yaml', 'carried-b'],
      ['sub/c.yaml', 'carried-c'],
      ['gone.yaml', 'carried-gone'],
    ]);
    const partial = await scanFolder(dir, { previous, suspect: (rel) => rel === 'b.yaml' });
    expect(Object.fromEntries(partial.files)).toEqual({
      'a.yaml': 'carried-a',
      'b.yaml': signatureOf(statSync(join(dir, 'b.yaml'))),
      'd.yaml': signatureOf(statSync(join(dir, 'd.yaml'))),
      'sub/c.yaml': 'carried-c',
    });
  });
});
