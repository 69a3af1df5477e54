// Aggregate exports that are safe to publish: cell statistics from the microdata, disclosure control, writers
// (CSV, XLSX, JSON) and the Frictionless data package beside them.
export {
  type CellStatistics,
  cellStatisticsStatement,
  computeCellStatistics,
  exactMedian,
  groupKey,
  poolStatistics,
} from './cell-stats.ts';
export { cellText, neutraliseText, renderCsv } from './csv.ts';
export {
  type ExportFormat,
  exportResource,
  LICENCE,
  MEDIA_TYPES,
  mergeDataPackage,
  resourceName,
} from './datapackage.ts';
export {
  CONFIDENTIAL,
  type ExportDocument,
  NOT_AVAILABLE,
  presentNumber,
  type WrittenCell,
  writtenRows,
} from './document.ts';
export {
  EXPORT_FORMATS,
  ExportError,
  type ExportQueryOptions,
  type ExportSummary,
  type ExportTarget,
  exportQuery,
  formatOf,
  type PreparedExport,
  type PrepareExportOptions,
  prepareExport,
} from './export.ts';
export { renderJson, STATUS_KEY } from './json.ts';
export { buildExportTable, type ExportColumn, type ExportTable } from './table.ts';
export { CONTACT_PLACEHOLDER, disclosureNotes, renderXlsx, TABLE_HEADER_ROW } from './xlsx.ts';
