// The constructs the survey stack is composed of (STYLE.md 10).
export { Catalog, type CatalogProps, RESPONSES_TABLE } from './catalog.ts';
export { DataLake, type DataLakeProps, LAKE_PREFIXES } from './data-lake.ts';
export { IngestPipeline, type IngestPipelineProps } from './ingest-pipeline.ts';
export { QueryWorkgroup, type QueryWorkgroupProps } from './query-workgroup.ts';
export { readSavedQueryFiles, type SavedQueryFile } from './saved-query-files.ts';
export { ServiceFunctions, type ServiceFunctionsProps } from './service-functions.ts';
export {
  configure,
  PROJECT_ROOT,
  SURVEY_RUNTIME,
  SurveyFunction,
  type SurveyFunctionProps,
} from './survey-function.ts';
export { UserRoles, type UserRolesProps } from './user-roles.ts';
