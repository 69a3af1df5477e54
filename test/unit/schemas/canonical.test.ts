import { describe, expect, it } from 'vitest';
import { CanonicalRecordSchema } from '../../../schemas/index.ts';
import { record } from '../../helpers/records.ts';

/** The field paths of the issues of a failed parse. */
function problems(input: Record<string, unknown>): string[] {
  const result = CanonicalRecordSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('CanonicalRecordSchema', () => {
  it('accepts a complete record and returns the same values', () => {
    const input = record();
    expect(CanonicalRecordSchema.parse(input)).toEqual(input);
  });

  it('accepts a record where every optional field is null', () => {
    const optional = [
      'submitted_at',
      'region',
      'spinout_year',
      'parent_body',
      'founded_year',
      'employees',
      'volunteers',
      'turnover',
      'turnover_prev',
      'turnover_trend',
      'public_income_pct',
      'surplus_reinvested_pct',
      'employee_owned',
      'staff_voice_strategy',
      'staff_voice_policy',
      'staff_voice_operations',
      'measures_social_value',
      'new_services',
    ];
    expect(problems(record(Object.fromEntries(optional.map((field) => [field, null]))))).toEqual([]);
  });

  it.each([
    'response_id',
    'org_id',
    'country',
    'legal_form',
    'is_spinout',
    'sector',
    'currency',
    'source_file',
    'source_row',
    'ingested_at',
    'survey',
    'wave',
  ] as const)('rejects a null %s, which is required', (field) => {
    expect(problems(record({ [field]: null }))).toContain(field);
  });

  it('rejects a record with an optional key left out rather than null', () => {
    const { region: _, ...rest } = record();
    expect(problems(rest)).toEqual(['region']);
  });

  it('rejects a record carrying an identity column, so no name or postcode can reach the curated table', () => {
    expect(CanonicalRecordSchema.safeParse({ ...record(), org_name: 'Acme CIC' }).success).toBe(false);
  });

  it.each([
    ['employees', -5],
    ['employees', 2.5],
    ['volunteers', -1],
    ['turnover', -0.01],
    ['turnover_prev', -100],
    ['public_income_pct', 100.5],
    ['surplus_reinvested_pct', -1],
    ['founded_year', 1799],
    ['spinout_year', 1947],
    ['source_row', 1],
    ['org_id', 'ABCDEF0123456789'],
    ['legal_form', 'plc'],
    ['sector', 'Health'],
    ['parent_body', 'nhs'],
    ['turnover_trend', 'up'],
    ['turnover', Number.POSITIVE_INFINITY],
    ['submitted_at', 1.5],
    ['is_spinout', 'yes'],
  ] as const)('rejects %s = %s as out of its range or type', (field, value) => {
    expect(problems(record({ [field]: value }))).toContain(field);
  });

  it('accepts the edges of the ranges', () => {
    expect(
      problems(
        record({
          employees: 0,
          public_income_pct: 0,
          surplus_reinvested_pct: 100,
          spinout_year: 1948,
          founded_year: 1800,
        }),
      ),
    ).toEqual([]);
  });

  it('rejects a row whose spin-out year is after the wave', () => {
    const result = CanonicalRecordSchema.safeParse(record({ spinout_year: 2024, founded_year: 2000, wave: 2023 }));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['spinout_year'],
        message: 'schemas: spinout_year must be a year no later than the wave 2023, got 2024',
      }),
    ]);
  });

  it('rejects a row founded after the wave', () => {
    expect(problems(record({ founded_year: 2024 }))).toEqual(['founded_year']);
  });

  it('accepts a spin-out year equal to the wave', () => {
    expect(problems(record({ spinout_year: 2023, founded_year: 2023 }))).toEqual([]);
  });

  it('rejects a parent body or spin-out year when is_spinout is false', () => {
    const result = CanonicalRecordSchema.safeParse(record({ is_spinout: false }));
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['spinout_year', 'schemas: spinout_year must be blank when is_spinout is false, got 2012'],
      ['parent_body', 'schemas: parent_body must be blank when is_spinout is false, got "health_service"'],
    ]);
  });

  it('accepts a non-spin-out with both spin-out fields null', () => {
    expect(problems(record({ is_spinout: false, spinout_year: null, parent_body: null }))).toEqual([]);
  });

  it('reports the cross-field rules even when another field already failed', () => {
    expect(problems(record({ employees: -5, is_spinout: false, spinout_year: null }))).toEqual([
      'employees',
      'parent_body',
    ]);
  });

  it('accepts 50,000 distinct valid records, one parse each', () => {
    // Speed is measured by npm run bench, not here.
    const rows = Array.from({ length: 50_000 }, (_, index) => record({ source_row: index + 2 }));
    let valid = 0;
    for (const row of rows) if (CanonicalRecordSchema.safeParse(row).success) valid++;
    expect(valid).toBe(rows.length);
  });
});
