import { describe, expect, it } from 'vitest';
import { isManifestName, isManifestPath } from './watched-files.js';

describe('watched files', () => {
  it('reads yaml, yml and json files', () => {
    for (const n of ['a.yaml', 'b.yml', 'c.json', 'UPPER.YAML']) expect(isManifestName(n), n).toBe(true);
  });
  it('skips hidden files, editor leftovers and other extensions', () => {
    for (const n of ['.a.yaml', 'a.yaml~', '#a.yaml#', '.#a.yaml', '.a.yaml.swp', 'a.yaml.swp', 'a.yaml.tmp', '4913', 'README.md', '.yaml'])
      expect(isManifestName(n), n).toBe(false);
  });
  it('skips files under hidden folders', () => {
    expect(isManifestPath('sub/deep/a.yaml')).toBe(true);
    expect(isManifestPath('.git/a.yaml')).toBe(false);
    expect(isManifestPath('..data/a.yaml')).toBe(false);
    expect(isManifestPath('sub/.hidden/a.yaml')).toBe(false);
  });
});
