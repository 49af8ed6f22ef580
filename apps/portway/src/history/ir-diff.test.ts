import { describe, expect, it } from 'vitest';
import { IR_API_VERSION, type GatewayConfig } from '@portway/ir';
import { pickRevisions, renderConfigDiff, renderRevisionList } from './ir-diff.js';
import type { RevisionInfo } from './history-source.js';

const rev = (revision: number, generation = 1): RevisionInfo => ({ revision, generation, created: `2025-01-01T00:00:0${revision % 10}Z`, hash: `sha256:${String(revision).padStart(64, '0')}` });
const config = (port: number): GatewayConfig => ({
  apiVersion: IR_API_VERSION,
  gateway: { namespace: 'infra', name: 'edge', generation: 1 },
  cluster: 'east',
  addresses: [],
  ports: [{ port, listeners: [{ name: 'infra/edge/http', protocol: 'HTTP', virtualHosts: [] }] }],
  backends: {},
} as unknown as GatewayConfig);

describe('portway diff helpers', () => {
  it('picks the last two revisions by default, or the ones asked for', () => {
    const list = [rev(3), rev(7), rev(9)];
    expect(pickRevisions(list)).toEqual({ from: rev(7), to: rev(9) });
    expect(pickRevisions(list, 3, 9)).toEqual({ from: rev(3), to: rev(9) });
    expect(pickRevisions(list, undefined, 7)).toEqual({ from: rev(3), to: rev(7) });
    expect(pickRevisions(list, 3)).toEqual({ from: rev(3), to: rev(9) });
  });

  it('says which revisions exist when a pick is impossible', () => {
    expect(() => pickRevisions([rev(3), rev(7)], 4)).toThrow('--from 4: no such revision in the history (stored: 3, 7)');
    expect(() => pickRevisions([rev(3)])).toThrow('only 1 revision stored (3): nothing to compare');
    expect(() => pickRevisions([rev(3), rev(7)], undefined, 3)).toThrow('revision 3 is the oldest stored: give --from');
  });

  it('renders a unified diff of the IR as YAML under a header naming gateway, cluster and revisions', () => {
    const text = renderConfigDiff('infra/edge', 'east', { from: rev(3), to: rev(7) }, config(8080), config(9090));
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Gateway infra/edge, cluster east: revision 3 (generation 1, 2025-01-01T00:00:03Z) → revision 7 (generation 1, 2025-01-01T00:00:07Z): 1 line added, 1 removed',
    );
    expect(lines[1]).toBe('--- infra/edge@3\trevision 3 (generation 1, 2025-01-01T00:00:03Z)');
    expect(lines).toContain('-    port: 8080');
    expect(lines).toContain('+    port: 9090');
  });

  it('says when two revisions hold the same content (a rollback)', () => {
    expect(renderConfigDiff('infra/edge', 'east', { from: rev(3), to: rev(7) }, config(8080), config(8080))).toBe(
      `Gateway infra/edge, cluster east: revision 3 (generation 1, 2025-01-01T00:00:03Z) and revision 7 (generation 1, 2025-01-01T00:00:07Z) have the same content (${rev(7).hash})\n`,
    );
  });

  it('lists revisions as a table', () => {
    expect(renderRevisionList('infra/edge', 'east', [rev(3, 1), rev(12, 2)])).toBe(
      'Gateway infra/edge, cluster east\nREVISION  GENERATION  CREATED               HASH\n3         1           2025-01-01T00:00:03Z  sha256:000000000000\n12        2           2025-01-01T00:00:02Z  sha256:000000000000\n',
    );
  });
});
