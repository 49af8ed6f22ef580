import { describe, expect, it } from 'vitest';
import { parseManifests } from '@portway/api';
import { loadFolder, type Decode } from '../src/index.js';
import { tempDir } from './support.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gateway } from './manifests.js';

describe('parseManifests from @portway/api as the decoder', () => {
  it('fits the Decode signature and loads a folder', async () => {
    const decode: Decode = parseManifests;
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'gw.yaml'), gateway('gw'));
      writeFileSync(join(dir, 'bad.yaml'), 'kind: [');
      const s = await loadFolder(dir, decode);
      expect(s.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Gateway/gw']);
      expect(s.errors).toHaveLength(1);
      expect(s.errors[0]!.file).toBe(join(dir, 'bad.yaml'));
    } finally {
      cleanup();
    }
  });
});
