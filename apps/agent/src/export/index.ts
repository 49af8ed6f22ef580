export type { ExportObject, ExportReader, ServiceShape, EndpointSliceShape } from './export-reader.js';
export { buildEndpointReports, SERVICE_NAME_LABEL, type EndpointHealthView, type ReportContent, type ExportProblem, type ClusterExports } from './endpoint-reports.js';
export { EndpointExporter, type EndpointExporterOptions } from './endpoint-exporter.js';
