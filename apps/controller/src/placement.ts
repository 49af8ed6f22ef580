/**
 * Which clusters serve a Gateway (hub and spokes). Pure.
 *
 * - A Gateway without placement is published for every known cluster (every cluster that has had
 *   a live agent, or already holds configs on the bus).
 * - The annotation `portway.dev/clusters: "east,west"` on the Gateway narrows it to those clusters.
 * - The controller's `--cluster-placement` option can set a default for Gateways without the
 *   annotation (`east,west`), or a placement for one Gateway (`ns/name=east`), which wins over
 *   its annotation (the operator's word over the object's).
 */

/** The Gateway annotation that lists the clusters serving it. */
export const PLACEMENT_ANNOTATION = 'portway.dev/clusters';

/** Where a Gateway is served. */
export type Placement =
  | { kind: 'everywhere' }
  | { kind: 'clusters'; clusters: string[]; source: 'annotation' | 'option' }
  | { kind: 'invalid'; message: string };

/** Placement given on the controller's command line. */
export interface PlacementRules {
  /** Clusters of Gateways that have neither an annotation nor a rule of their own (absent: every known cluster). */
  defaultClusters?: string[];
  /** Per Gateway "namespace/name". */
  gateways: Record<string, string[]>;
}

export const NO_PLACEMENT_RULES: PlacementRules = { gateways: {} };

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** "east, west" → ["east", "west"] (sorted, unique), or the reason it is not a cluster list. */
export function parseClusterList(value: string): { clusters: string[] } | { error: string } {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) return { error: 'names no cluster' };
  const bad = names.find((n) => !CLUSTER_NAME.test(n));
  if (bad !== undefined) return { error: `"${bad}" is not a cluster name (letters, digits, '.', '_', '-')` };
  return { clusters: [...new Set(names)].sort() };
}

/**
 * Parses `--cluster-placement` values: `east,west` (the default for Gateways without placement)
 * or `namespace/name=east,west` (one Gateway). Throws an Error naming the bad value.
 */
export function parsePlacementRules(values: readonly string[]): PlacementRules {
  const rules: PlacementRules = { gateways: {} };
  for (const value of values) {
    const eq = value.indexOf('=');
    const target = eq >= 0 ? value.slice(0, eq).trim() : undefined;
    const list = parseClusterList(eq >= 0 ? value.slice(eq + 1) : value);
    if ('error' in list) throw new Error(`--cluster-placement "${value}": ${list.error}`);
    if (target === undefined) {
      if (rules.defaultClusters) throw new Error(`--cluster-placement "${value}": a default placement is already given`);
      rules.defaultClusters = list.clusters;
    } else {
      if (!/^[^/\s]+\/[^/\s]+$/.test(target)) throw new Error(`--cluster-placement "${value}": expected namespace/name=clusters`);
      rules.gateways[target] = list.clusters;
    }
  }
  return rules;
}

/** The placement of one Gateway ("namespace/name", its annotations). */
export function gatewayPlacement(key: string, annotations: Readonly<Record<string, string>> | undefined, rules: PlacementRules): Placement {
  const rule = rules.gateways[key];
  if (rule) return { kind: 'clusters', clusters: rule, source: 'option' };
  const annotation = annotations?.[PLACEMENT_ANNOTATION];
  if (annotation !== undefined) {
    const list = parseClusterList(annotation);
    if ('error' in list) return { kind: 'invalid', message: `Annotation ${PLACEMENT_ANNOTATION} "${annotation}" ${list.error}` };
    return { kind: 'clusters', clusters: list.clusters, source: 'annotation' };
  }
  if (rules.defaultClusters) return { kind: 'clusters', clusters: rules.defaultClusters, source: 'option' };
  return { kind: 'everywhere' };
}

/** The clusters a Gateway's config is published for, given the clusters the controller knows. */
export function placementTargets(placement: Placement, knownClusters: readonly string[]): string[] {
  switch (placement.kind) {
    case 'everywhere':
      return [...new Set(knownClusters)].sort();
    case 'clusters':
      return placement.clusters;
    case 'invalid':
      return [];
  }
}
