// TEMPORARY: the CODEBOOK table until schemas/index.ts exports glueColumns() and gluePartitionKeys().
/** A Glue column. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}
const C = (name: string, type: string): GlueColumn => ({ name, type });
/** The CODEBOOK columns. */
export function glueColumns(): GlueColumn[] {
  return [
    C('response_id', 'string'),
    C('org_id', 'string'),
    C('submitted_at', 'timestamp'),
    C('country', 'string'),
    C('region', 'string'),
    C('legal_form', 'string'),
    C('is_spinout', 'boolean'),
    C('spinout_year', 'int'),
    C('parent_body', 'string'),
    C('sector', 'string'),
    C('founded_year', 'int'),
    C('employees', 'int'),
    C('volunteers', 'int'),
    C('currency', 'string'),
    C('turnover', 'double'),
    C('turnover_prev', 'double'),
    C('turnover_trend', 'string'),
    C('public_income_pct', 'double'),
    C('surplus_reinvested_pct', 'double'),
    C('employee_owned', 'boolean'),
    C('staff_voice_strategy', 'boolean'),
    C('staff_voice_policy', 'boolean'),
    C('staff_voice_operations', 'boolean'),
    C('measures_social_value', 'boolean'),
    C('new_services', 'boolean'),
    C('source_file', 'string'),
    C('source_row', 'int'),
    C('ingested_at', 'timestamp'),
  ];
}
/** The partition keys. */
export function gluePartitionKeys(): GlueColumn[] {
  return [C('survey', 'string'), C('wave', 'int')];
}
