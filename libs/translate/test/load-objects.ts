import { formatManifestError, parseManifests, snapshotOf, type Snapshot } from '@portway/api';

/**
 * Loads a golden case's objects the way the file provider does: parsed and admitted (schemas,
 * defaults, CEL rules) as an API server would, with namespace "default". Fills in what the
 * provider adds: generation 1, a creation timestamp (the case may set its own to test ordering)
 * and a uid. An invalid object fails the test: golden inputs must be what an API server accepts.
 */
export function loadObjects(text: string, file: string): Snapshot {
  const parsed = parseManifests(text, file, { defaultNamespace: 'default' });
  if (parsed.errors.length) throw new Error(parsed.errors.map(formatManifestError).join('\n'));
  const objects = parsed.objects.map(({ object: o }) => {
    const m = o.metadata;
    return {
      ...o,
      metadata: {
        ...m,
        generation: m.generation ?? 1,
        creationTimestamp: m.creationTimestamp ?? '2026-01-01T00:00:00Z',
        uid: m.uid ?? `uid-${o.kind}-${m.namespace ?? ''}-${m.name}`,
      },
    };
  });
  const { snapshot, ignored } = snapshotOf(objects);
  if (ignored.length) throw new Error(`${file}: unknown kinds ${ignored.map((o) => o.kind).join(', ')}`);
  return snapshot;
}
