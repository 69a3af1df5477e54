// The public surface of schemas/: the single source of truth for surveys, the canonical record and reports.

export {
  type CanonicalRecord,
  CanonicalRecordSchema,
  CODE_LISTS,
  type CodeListName,
  type CrossFieldIssue,
  CURRENCY_UNIT,
  checkCrossFields,
  type FieldKind,
  type FieldMeta,
  fieldMeta,
} from './canonical.ts';
export {
  BOOLEAN_FALSE,
  BOOLEAN_NULL,
  BOOLEAN_TRUE,
  type CodeEntry,
  type CodeList,
  LEGAL_FORMS,
  NUMBER_NULL,
  PARENT_BODIES,
  REGIONS_FR,
  REGIONS_GB,
  SECTORS,
  TURNOVER_TRENDS,
} from './code-lists.ts';
export { codebookJson, renderCodebook } from './codebook.ts';
export {
  CANONICAL_COLUMNS,
  deriveFields,
  FIELDS,
  type FieldSpec,
  type GlueColumn,
  type GlueType,
  glueColumns,
  gluePartitionKeys,
  type JsonSchema,
  type ParquetColumn,
  type ParquetType,
  parquetColumns,
  SchemaDerivationError,
  toJsonSchema,
  WEIGHT_FIELDS,
  weightsGlueColumns,
  weightsParquetColumns,
  weightsPartitionKeys,
} from './derive.ts';
export { fold } from './fold.ts';
export { type Issue, IssueSchema, type Report, ReportSchema } from './report.ts';
export {
  checkWave,
  DROPPED_FIELDS,
  defineSurvey,
  IDENTITY_FIELDS,
  lastWave,
  SOURCE_FIELDS,
  type SourceField,
  type SurveyDefinition,
  SurveyDefinitionError,
  SurveyDefinitionSchema,
  WaveRangeError,
} from './survey-definition.ts';
export { getSurvey, SURVEYS, UnknownSurveyError } from './surveys/index.ts';
export {
  FRAME_COLUMNS,
  type FrameCell,
  SIZE_BANDS,
  type SizeBand,
  sizeBand,
  type WeightRow,
  WeightRowSchema,
  weightsFieldMeta,
} from './weights.ts';
