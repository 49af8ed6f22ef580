/**
 * Golden tests of the hub's ClusterSet view: each `clusterset-golden/<case>.in.yaml` (endpoint
 * reports with the time the hub received them, the source's ServiceImports, the options) is built
 * into the view — MCS EndpointSlices, derived ServiceImports, exports' and imports' conditions —
 * and compared with `<case>.out.yaml`. Regenerate with `npx vitest run -u`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildClusterSetView, type ClusterSetInput } from '@portway/controller';

const dir = join(import.meta.dirname, 'clusterset-golden');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort();

describe('golden: ClusterSet view', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
  for (const file of cases) {
    it(basename(file, '.in.yaml'), async () => {
      const input = parse(readFileSync(join(dir, file), 'utf8')) as ClusterSetInput;
      const view = buildClusterSetView(input);
      const out = stringify({ ...view, importStatus: Object.fromEntries(view.importStatus) }, { lineWidth: 0, aliasDuplicateObjects: false });
      await expect(out).toMatchFileSnapshot(join(dir, file.replace('.in.yaml', '.out.yaml')));
    });
  }
});
