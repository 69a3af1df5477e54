export {
  formatCell,
  formatCsv,
  formatJson,
  formatResult,
  formatTable,
  RESULT_FORMATS,
  type ResultFormat,
} from './format.ts';
export { countParameterMarks, getSavedQuery, loadSavedQueries, QUERIES_DIR, QueryError } from './load.ts';
export { type KnownWave, type ParamContext, validateParams } from './params.ts';
export {
  checkWeightedResult,
  KNOWN_SURVEY_IDS,
  type RunSavedQueryOptions,
  runSavedQuery,
  type WaveListing,
} from './run.ts';
export {
  type Column,
  ColumnSchema,
  type Condition,
  ConditionSchema,
  type Disclosure,
  DisclosureSchema,
  type Parameter,
  ParameterSchema,
  type ParamType,
  ParamTypeSchema,
  type SavedQuery,
  type SavedQueryMeta,
  SavedQueryMetaSchema,
  type Value,
  ValueSchema,
} from './saved-query.ts';
