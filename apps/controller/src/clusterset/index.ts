export { buildClusterSetView, sliceName, MANAGED_BY, MANAGED_BY_LABEL, DERIVED_LABEL, type ClusterSetInput, type ClusterSetView, type ExportState, type ImportStatus, type ReceivedReport } from './clusterset-view.js';
export { ClusterSetSource, type ClusterSetSourceOptions } from './clusterset-source.js';
export * as clusterSetConditions from './clusterset-conditions.js';
