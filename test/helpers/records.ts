// A valid canonical record: the fixture the schema tests start from, each changing what it tests.
import type { CanonicalRecord } from '../../schemas/index.ts';

/** A complete, valid uk-se record. */
export const GOOD_RECORD: CanonicalRecord = {
  response_id: 'R-1001',
  org_id: '0123456789abcdef',
  submitted_at: Date.UTC(2023, 4, 2, 9, 30),
  country: 'GB',
  region: 'TLC',
  legal_form: 'cic',
  is_spinout: true,
  spinout_year: 2012,
  parent_body: 'health_service',
  sector: 'health',
  founded_year: 2012,
  employees: 120,
  volunteers: 4,
  currency: 'GBP',
  turnover: 1_250_000.5,
  turnover_prev: 1_100_000,
  turnover_trend: 'increased',
  public_income_pct: 82.5,
  surplus_reinvested_pct: 100,
  employee_owned: true,
  staff_voice_strategy: true,
  staff_voice_policy: false,
  staff_voice_operations: null,
  measures_social_value: true,
  new_services: false,
  source_file: 'raw/survey=uk-se/wave=2023/wave.csv',
  source_row: 2,
  ingested_at: Date.UTC(2026, 10, 24, 21, 0),
  survey: 'uk-se',
  wave: 2023,
};

/** The valid record with some fields replaced (by anything, valid or not). */
export function record(overrides: Partial<Record<keyof CanonicalRecord, unknown>> = {}): Record<string, unknown> {
  return { ...GOOD_RECORD, ...overrides };
}
