/**
 * The spec's tie-breaker between objects: the oldest by creation timestamp first, then
 * alphabetical by "{namespace}/{name}".
 */
export function compareCreation(
  a: { metadata: { creationTimestamp?: string; namespace?: string; name: string } },
  b: { metadata: { creationTimestamp?: string; namespace?: string; name: string } },
): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return timestamp(ta) - timestamp(tb) || (ta < tb ? -1 : 1);
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function timestamp(s: string): number {
  const t = Date.parse(s);
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}
