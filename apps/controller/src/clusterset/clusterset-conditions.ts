/**
 * Every condition of the ClusterSet view, one constructor per reason, with the MCS API's condition
 * types and reasons (KEP-1645, mcs-api v1beta1): ServiceExport `Valid`, `Ready` and `Conflict`
 * (reasons `PortConflict`, `TypeConflict`, `NoConflicts`), ServiceImport `Ready` (`Ready`, `Pending`).
 * Nothing else in the view builds a condition literal.
 */
import type { Condition } from '@portway/graph';

/** ServiceExport `Valid`: the exported Service exists and was reported by its cluster's agent. */
export const exportValid = (cluster: string): Condition => ({
  type: 'Valid',
  status: 'True',
  reason: 'Valid',
  message: `the Service is exported by the agent of cluster ${cluster}`,
});

/** ServiceExport `Ready=True`: its endpoints are part of the ClusterSet's ServiceImport. */
export const exportReady = (endpoints: number): Condition => ({
  type: 'Ready',
  status: 'True',
  reason: 'Ready',
  message: `${endpoints} endpoint(s) are part of the ServiceImport`,
});

/** ServiceExport `Ready=False`: the cluster's report went stale (its agent is gone or cut off from the hub). */
export const exportStale = (cluster: string, ageMs: number): Condition => ({
  type: 'Ready',
  status: 'False',
  reason: 'Pending',
  message: `no endpoint report from cluster ${cluster} for ${Math.round(ageMs / 1000)}s: its endpoints are left out until it reports again`,
});

/** ServiceExport `Ready=False`: a type conflict keeps the export's endpoints out of the import. */
export const exportExcluded = (winner: string): Condition => ({
  type: 'Ready',
  status: 'False',
  reason: 'Pending',
  message: `the export's type differs from the oldest export's (cluster ${winner}): its endpoints are left out`,
});

/** ServiceExport `Conflict=False`. */
export const noConflicts = (): Condition => ({ type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'the exports of every cluster agree' });

/**
 * ServiceExport `Conflict=True`, raised on every constituent export (the KEP asks for at least the
 * conflicting ones): which field, which cluster won and why, which clusters disagree.
 */
export const exportConflict = (reasons: readonly ('PortConflict' | 'TypeConflict')[], winner: string, exportedAt: string, disagree: readonly string[]): Condition => ({
  type: 'Conflict',
  status: 'True',
  reason: reasons.join(','),
  message: `${reasons.map((r) => (r === 'PortConflict' ? 'ports' : 'type')).join(' and ')} differ between the clusters; the oldest export wins: cluster ${winner} (exported ${exportedAt}); clusters ${disagree.join(', ')} disagree`,
});

/** ServiceImport `Ready=True`. */
export const importReady = (clusters: readonly string[]): Condition => ({
  type: 'Ready',
  status: 'True',
  reason: 'Ready',
  message: `endpoints from cluster(s) ${clusters.join(', ')}`,
});

/** ServiceImport `Ready=False`: no cluster exports the Service (or every report is stale). */
export const importPending = (namespace: string, name: string): Condition => ({
  type: 'Ready',
  status: 'False',
  reason: 'Pending',
  message: `no cluster currently exports ${namespace}/${name}`,
});
