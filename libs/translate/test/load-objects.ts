import { parseAllDocuments } from 'yaml';
import { snapshotOf, type Snapshot } from '@portway/api';

/**
 * Loads a golden case's objects into a snapshot, filling in what an API server would:
 * namespace "default", generation 1, a creation timestamp (the case may set its own to test
 * ordering) and a uid.
 */
export function loadObjects(text: string, file: string): Snapshot {
  const objects: { kind: string; metadata: Record<string, unknown> }[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const o = doc.toJS() as { kind: string; metadata: Record<string, unknown> } | null;
    if (!o) continue;
    const cluster = o.kind === 'GatewayClass' || o.kind === 'Namespace';
    o.metadata = {
      ...(cluster ? {} : { namespace: 'default' }),
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      uid: `uid-${o.kind}-${String(o.metadata.namespace ?? '')}-${String(o.metadata.name)}`,
      ...o.metadata,
    };
    objects.push(o);
  }
  const { snapshot, ignored } = snapshotOf(objects);
  if (ignored.length) throw new Error(`${file}: unknown kinds ${ignored.map((o) => o.kind).join(', ')}`);
  return snapshot;
}
