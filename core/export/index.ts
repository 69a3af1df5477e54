// Aggregate exports that are safe to publish: cell statistics from the microdata, linked tables protected
// together, the release ledger, writers (CSV, XLSX, JSON) and the Frictionless data package beside them.
// `prepareRelease` is the entry point for anything that publishes a saved query's numbers.
export {
  type CellIdentity,
  canonicalConditions,
  identityKey,
  type KeyCondition,
  type KeyStatistic,
} from './cell-key.ts';
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
  type ReleaseHistory,
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
  prepareRelease,
  type RecordedRelease,
  type Release,
  type ReleaseOptions,
  releaseTable,
  renderRelease,
} from './export.ts';
export { familyOf, type JointTable, jointTable, type QueryInstance } from './family.ts';
export { cellHistories, type HistoryCell, type HistoryOutcome, type LiveWave } from './history.ts';
export { renderJson, STATUS_KEY } from './json.ts';
export {
  appendLedger,
  LEDGER_PREFIX,
  type LedgerCell,
  type LedgerRecord,
  LedgerRecordSchema,
  ledgerPrefix,
  readLedger,
} from './ledger.ts';
export { type DisclosureNote, disclosureNotes } from './notes.ts';
export { type CellChange, cellChange, VersionRows } from './revision.ts';
export { type BuildOptions, buildExportTable, type ExportColumn, type ExportTable, pooledValue } from './table.ts';
export { CONTACT_PLACEHOLDER, renderXlsx, TABLE_HEADER_ROW } from './xlsx.ts';
