// The constructs the survey stack is composed of (STYLE.md 10).
export { Alarms, type AlarmsProps } from './alarms.ts';
export { Catalog, type CatalogProps, RESPONSES_TABLE } from './catalog.ts';
export { DataLake, type DataLakeProps, LAKE_PREFIXES, REJECTED_ROWS_TAG, WEIGHTS_PREFIX } from './data-lake.ts';
export { INGEST_COST, IngestPipeline, type IngestPipelineProps } from './ingest-pipeline.ts';
export { QueryWorkgroup, type QueryWorkgroupProps } from './query-workgroup.ts';
export { readSavedQueryFiles, type SavedQueryFile } from './saved-query-files.ts';
export { ATHENA_WAIT_MARGIN, ServiceFunctions, type ServiceFunctionsProps } from './service-functions.ts';
export {
  configure,
  PROJECT_ROOT,
  SURVEY_RUNTIME,
  SurveyFunction,
  type SurveyFunctionProps,
} from './survey-function.ts';
export { UserRoles, type UserRolesProps } from './user-roles.ts';
