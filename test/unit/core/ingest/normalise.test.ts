import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchHeaders } from '../../../../core/ingest/headers.ts';
import { createNormaliser, type NormalisedRow } from '../../../../core/ingest/normalise.ts';
import { orgId } from '../../../../core/ingest/org-id.ts';
import { type CanonicalRecord, getSurvey, SOURCE_FIELDS, type SourceField } from '../../../../schemas/index.ts';

const KEY = 'test-org-key';
const INGESTED_AT = Date.UTC(2024, 0, 15, 9, 30);

type Answers = Partial<Record<SourceField, string>>;

/** A file of one survey: its header cells (by each field's first alias, plus an unknown column) and a row builder. */
function fileOf(surveyId: 'uk-se' | 'fr-ess', fields: readonly SourceField[], wave = 2023) {
  const survey = getSurvey(surveyId);
  const header = [...fields.map((field) => survey.headers[field][0]!), 'Notes'];
  const match = matchHeaders(header, survey);
  const normalise = createNormaliser({
    survey,
    wave,
    header: match,
    headerLength: header.length,
    orgKey: KEY,
    sourceFile: `raw/survey=${surveyId}/wave=${wave}/upload.csv`,
    ingestedAt: INGESTED_AT,
  });
  const cells = (answers: Answers) => [...fields.map((field) => answers[field] ?? ''), 'a free-text note'];
  return {
    header,
    cells,
    run: (answers: Answers, rowNumber = 2): NormalisedRow => normalise(cells(answers), rowNumber),
  };
}

// Every column a file can carry: the fixture files below hold them all.
const ALL_FIELDS: readonly SourceField[] = SOURCE_FIELDS;

const UK_ROW: Answers = {
  response_id: 'R-0017',
  submitted_at: '04/05/2023 10:22',
  org_name: 'Bridgewater Community Health CIC',
  registration_number: 'SC 012345',
  postcode: 'TA6 3AB',
  contact_name: 'Jane Smith',
  contact_email: 'jane@example.org',
  legal_form: 'Community Interest Company',
  is_spinout: 'Yes',
  spinout_year: 'FY2014',
  parent_body: 'NHS trust',
  sector: '  HEALTH-care ',
  region: 'South West',
  founded_year: '2014',
  employees: '1,250',
  volunteers: '12',
  turnover: '£1.2m',
  turnover_prev: '£1,100,000',
  turnover_trend: 'Increased',
  public_income_pct: '85%',
  surplus_reinvested_pct: '100',
  employee_owned: 'No',
  staff_voice_strategy: 'yes',
  staff_voice_policy: 'Y',
  staff_voice_operations: 'x',
  measures_social_value: 'TRUE',
  new_services: "Don't know",
};

const UK_RECORD: CanonicalRecord = {
  response_id: 'R-0017',
  org_id: orgId(KEY, { registrationNumber: 'SC012345' })!,
  submitted_at: Date.UTC(2023, 4, 4, 10, 22),
  country: 'GB',
  region: 'TLK',
  legal_form: 'cic',
  is_spinout: true,
  spinout_year: 2014,
  parent_body: 'health_service',
  sector: 'health',
  founded_year: 2014,
  employees: 1250,
  volunteers: 12,
  currency: 'GBP',
  turnover: 1_200_000,
  turnover_prev: 1_100_000,
  turnover_trend: 'increased',
  public_income_pct: 85,
  surplus_reinvested_pct: 100,
  employee_owned: false,
  staff_voice_strategy: true,
  staff_voice_policy: true,
  staff_voice_operations: true,
  measures_social_value: true,
  new_services: null,
  source_file: 'raw/survey=uk-se/wave=2023/upload.csv',
  source_row: 2,
  ingested_at: INGESTED_AT,
  survey: 'uk-se',
  wave: 2023,
};

const FR_ROW: Answers = {
  response_id: '000451',
  submitted_at: '2023-05-04T10:22:00+02:00',
  org_name: 'Coopérative Les Jardins',
  registration_number: '',
  postcode: '69001',
  contact_name: 'Marie Dupont',
  contact_email: 'marie@example.fr',
  legal_form: 'SCIC',
  is_spinout: 'Non',
  spinout_year: '',
  parent_body: '',
  sector: 'Action sociale',
  region: 'auvergne rhone alpes',
  founded_year: '2009/10',
  employees: '42',
  volunteers: 'nc',
  turnover: '1 250 000,5 €',
  turnover_prev: '1,2 M€',
  turnover_trend: 'En hausse',
  public_income_pct: '12,5 %',
  surplus_reinvested_pct: 'n/a',
  employee_owned: 'Oui',
  staff_voice_strategy: 'oui',
  staff_voice_policy: 'non',
  staff_voice_operations: 'Vrai',
  measures_social_value: 'ne sait pas',
  new_services: 'o',
};

const FR_RECORD: CanonicalRecord = {
  response_id: '000451',
  org_id: orgId(KEY, { orgName: 'Coopérative Les Jardins', postcode: '69001' })!,
  submitted_at: Date.UTC(2023, 4, 4, 8, 22),
  country: 'FR',
  region: 'FR-ARA',
  legal_form: 'cooperative',
  is_spinout: false,
  spinout_year: null,
  parent_body: null,
  sector: 'social_care',
  founded_year: 2009,
  employees: 42,
  volunteers: null,
  currency: 'EUR',
  turnover: 1_250_000.5,
  turnover_prev: 1_200_000,
  turnover_trend: 'increased',
  public_income_pct: 12.5,
  surplus_reinvested_pct: null,
  employee_owned: true,
  staff_voice_strategy: true,
  staff_voice_policy: false,
  staff_voice_operations: true,
  measures_social_value: null,
  new_services: true,
  source_file: 'raw/survey=fr-ess/wave=2023/upload.csv',
  source_row: 2,
  ingested_at: INGESTED_AT,
  survey: 'fr-ess',
  wave: 2023,
};

const uk = fileOf('uk-se', ALL_FIELDS);
const fr = fileOf('fr-ess', ALL_FIELDS);

/** The one issue of a row's errors (or warnings), asserting there is exactly one. */
function only(issues: readonly unknown[]) {
  expect(issues).toHaveLength(1);
  return issues[0];
}

describe('createNormaliser', () => {
  it('turns a good uk-se row into the expected record, fields in codebook order', () => {
    const { record, errors, warnings } = uk.run(UK_ROW);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(record).toStrictEqual(UK_RECORD);
    expect(Object.keys(record!)).toEqual(Object.keys(UK_RECORD));
  });

  it('turns a good fr-ess row into the expected record, French numbers, dates and answers included', () => {
    const { record, errors, warnings } = fr.run(FR_ROW);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(record).toStrictEqual(FR_RECORD);
  });

  it('never writes an identity or contact value into the record', () => {
    for (const [file, row] of [
      [uk, UK_ROW],
      [fr, FR_ROW],
    ] as const) {
      const text = JSON.stringify(file.run(row).record);
      for (const field of ['org_name', 'postcode', 'contact_name', 'contact_email'] as const) {
        expect(text).not.toContain(row[field]);
      }
      expect(text).not.toContain('012345');
    }
  });

  it('records the row number it is given as source_row', () => {
    expect(uk.run(UK_ROW, 17).record?.source_row).toBe(17);
  });

  it('derives response_id from the raw row when the file has no id column', () => {
    const file = fileOf(
      'uk-se',
      ALL_FIELDS.filter((field) => field !== 'response_id'),
    );
    const cells = file.cells(UK_ROW);
    const expected = createHash('sha256').update(cells.join('\u001f')).digest('hex').slice(0, 16);
    const { record } = file.run(UK_ROW);
    expect(record?.response_id).toBe(expected);
    expect(record?.response_id).toMatch(/^[0-9a-f]{16}$/);
    expect(file.run({ ...UK_ROW, employees: '1251' }).record?.response_id).not.toBe(expected);
  });

  it('derives response_id from the raw row when the id cell is blank', () => {
    const cells = uk.cells({ ...UK_ROW, response_id: '  ' });
    const expected = createHash('sha256').update(cells.join('\u001f')).digest('hex').slice(0, 16);
    expect(uk.run({ ...UK_ROW, response_id: '  ' }).record?.response_id).toBe(expected);
  });

  it('derives org_id from the name and postcode when the registration number is blank', () => {
    const { record } = uk.run({ ...UK_ROW, registration_number: '' });
    expect(record?.org_id).toBe(orgId(KEY, { orgName: UK_ROW.org_name!, postcode: UK_ROW.postcode! }));
    expect(record?.org_id).not.toBe(UK_RECORD.org_id);
  });

  it('rejects a row with neither a registration number nor an organisation name, without echoing identity', () => {
    const { record, errors } = uk.run({ ...UK_ROW, registration_number: ' ', org_name: '' });
    expect(record).toBeNull();
    const error = only(errors);
    expect(error).toMatchObject({ type: 'constraint-error', rowNumber: 2, fieldName: 'org_id' });
    expect(error).not.toHaveProperty('cell');
    expect(JSON.stringify(error)).not.toContain(UK_ROW.postcode);
  });

  it('rejects a row whose employees are negative, with a message that says what, got and expected', () => {
    const { record, errors } = uk.run({ ...UK_ROW, employees: '-5' }, 17);
    expect(record).toBeNull();
    expect(errors).toEqual([
      {
        type: 'constraint-error',
        rowNumber: 17,
        fieldName: 'employees',
        cell: '-5',
        message: 'ingest: column "employees" must be a whole number >= 0, got "-5" (row 17)',
      },
    ]);
  });

  it('rejects a row whose employees are not a whole number', () => {
    const error = only(uk.run({ ...UK_ROW, employees: '12.5' }).errors);
    expect(error).toMatchObject({ type: 'type-error', fieldName: 'employees', cell: '12.5' });
  });

  it('rejects a row whose turnover is negative', () => {
    const error = only(fr.run({ ...FR_ROW, turnover: '-1 000 €' }).errors);
    expect(error).toMatchObject({
      type: 'constraint-error',
      fieldName: 'turnover',
      message: 'ingest: column "turnover" must be a number >= 0, got "-1 000 €" (row 2)',
    });
  });

  it('rejects a row whose share of public income is over 100', () => {
    const error = only(uk.run({ ...UK_ROW, public_income_pct: '120%' }).errors);
    expect(error).toMatchObject({
      type: 'constraint-error',
      fieldName: 'public_income_pct',
      message: 'ingest: column "public_income_pct" must be a number from 0 to 100, got "120%" (row 2)',
    });
  });

  it('rejects a row whose spin-out year is after the wave', () => {
    const { record, errors } = uk.run({ ...UK_ROW, spinout_year: '2024' });
    expect(record).toBeNull();
    expect(only(errors)).toEqual({
      type: 'constraint-error',
      rowNumber: 2,
      fieldName: 'spinout_year',
      cell: '2024',
      message: 'ingest: column "spinout_year" must be a year no later than the wave 2023, got "2024" (row 2)',
    });
  });

  it('accepts a spin-out year equal to the wave', () => {
    expect(uk.run({ ...UK_ROW, spinout_year: '2023', founded_year: '2023' }).errors).toEqual([]);
  });

  it('rejects a row whose founded year is after the wave', () => {
    const error = only(uk.run({ ...UK_ROW, founded_year: '2025/26' }).errors);
    expect(error).toMatchObject({ type: 'constraint-error', fieldName: 'founded_year', cell: '2025/26' });
  });

  it('rejects a row whose spin-out year is before 1948', () => {
    const error = only(uk.run({ ...UK_ROW, spinout_year: '1947' }).errors);
    expect(error).toMatchObject({ type: 'constraint-error', fieldName: 'spinout_year', cell: '1947' });
    expect((error as { message: string }).message).toContain('must be a year from 1948');
  });

  it('rejects a row with a spin-out year while is_spinout is false', () => {
    const error = only(uk.run({ ...UK_ROW, is_spinout: 'No', parent_body: '' }).errors);
    expect(error).toEqual({
      type: 'constraint-error',
      rowNumber: 2,
      fieldName: 'spinout_year',
      cell: 'FY2014',
      message: 'ingest: column "spinout_year" must be blank when is_spinout is false, got "FY2014" (row 2)',
    });
  });

  it('rejects a row with a parent body while is_spinout is false', () => {
    const error = only(fr.run({ ...FR_ROW, parent_body: 'Commune' }).errors);
    expect(error).toMatchObject({ type: 'constraint-error', fieldName: 'parent_body', cell: 'Commune' });
  });

  it('rejects a row with an unreadable legal form', () => {
    const { record, errors } = uk.run({ ...UK_ROW, legal_form: 'Plc' });
    expect(record).toBeNull();
    const error = only(errors);
    expect(error).toMatchObject({ type: 'type-error', fieldName: 'legal_form', cell: 'Plc' });
    expect((error as { message: string }).message).toMatch(
      /^ingest: column "legal_form" must be one of cic, cooperative, .* got "Plc" \(row 2\)$/,
    );
  });

  it('rejects a row with an unreadable answer to the spin-out question', () => {
    const error = only(fr.run({ ...FR_ROW, is_spinout: 'peut-être' }).errors);
    expect(error).toMatchObject({ type: 'type-error', fieldName: 'is_spinout', cell: 'peut-être' });
  });

  it('rejects a row with a blank sector', () => {
    const error = only(uk.run({ ...UK_ROW, sector: '  ' }).errors);
    expect(error).toMatchObject({ type: 'constraint-error', fieldName: 'sector', cell: '' });
    expect((error as { message: string }).message).toMatch(
      /^ingest: column "sector" is required .* got a blank cell \(row 2\)$/,
    );
  });

  it('rejects a row whose spin-out answer is "don\'t know", because is_spinout is required', () => {
    const error = only(uk.run({ ...UK_ROW, is_spinout: "Don't know", spinout_year: '', parent_body: '' }).errors);
    expect(error).toMatchObject({ type: 'constraint-error', fieldName: 'is_spinout', cell: "Don't know" });
    expect((error as { message: string }).message).toMatch(/got "Don't know", which means not known \(row 2\)$/);
  });

  it('keeps a row with an unmappable region and warns', () => {
    const { record, errors, warnings } = uk.run({ ...UK_ROW, region: 'Atlantis' }, 9);
    expect(errors).toEqual([]);
    expect(record).toStrictEqual({ ...UK_RECORD, region: null, source_row: 9 });
    const warning = only(warnings);
    expect(warning).toMatchObject({ type: 'type-error', rowNumber: 9, fieldName: 'region', cell: 'Atlantis' });
    expect((warning as { message: string }).message).toMatch(
      /^ingest: column "region" must be one of TLC, .* got "Atlantis" \(row 9\); it was set to null$/,
    );
  });

  it('matches regions against the survey: a French region is unmappable in uk-se', () => {
    expect(only(uk.run({ ...UK_ROW, region: 'Bretagne' }).warnings)).toMatchObject({ fieldName: 'region' });
    expect(fr.run({ ...FR_ROW, region: 'Bretagne' }).record?.region).toBe('FR-BRE');
    expect(fr.run({ ...FR_ROW, region: 'fr-idf' }).record?.region).toBe('FR-IDF');
    expect(uk.run({ ...UK_ROW, region: 'tlm' }).record?.region).toBe('TLM');
  });

  it.each([
    ['employees', 'lots'],
    ['turnover', 'about a million'],
    ['turnover', '€1.2m'],
    ['public_income_pct', '£45'],
    ['founded_year', 'long ago'],
    ['turnover_trend', 'sideways'],
    ['employee_owned', 'partly'],
    ['submitted_at', '31/02/2023'],
    ['parent_body', 'The Crown'],
  ] as [SourceField, string][])('keeps a row with an unreadable %s %j and warns', (field, cell) => {
    const { record, errors, warnings } = uk.run({ ...UK_ROW, [field]: cell });
    expect(errors).toEqual([]);
    expect(record).not.toBeNull();
    expect((record as Record<string, unknown>)[field]).toBeNull();
    expect(only(warnings)).toMatchObject({ type: 'type-error', fieldName: field, cell });
  });

  it('rejects a row with more cells than the header', () => {
    const cells = [...uk.cells(UK_ROW), 'spill'];
    const { record, errors } = createNormaliserFor('uk-se', uk.header)(cells, 5);
    expect(record).toBeNull();
    expect(only(errors)).toEqual({
      type: 'extra-cell',
      rowNumber: 5,
      cell: 'spill',
      message: `ingest: row has ${uk.header.length + 1} cells but the header has ${uk.header.length}; expected at most ${uk.header.length} (row 5)`,
    });
  });

  it('rejects a row with fewer cells than the header and still reports its other problems', () => {
    const cells = uk.cells({ ...UK_ROW, employees: '-3' }).slice(0, ALL_FIELDS.indexOf('turnover'));
    const { record, errors } = createNormaliserFor('uk-se', uk.header)(cells, 6);
    expect(record).toBeNull();
    expect(errors.map((error) => [error.type, error.fieldName])).toEqual([
      ['missing-cell', undefined],
      ['constraint-error', 'employees'],
    ]);
  });

  it('does not report the required cells a short row lacks a second time', () => {
    const cells = uk.cells(UK_ROW).slice(0, ALL_FIELDS.indexOf('legal_form'));
    const { errors } = createNormaliserFor('uk-se', uk.header)(cells, 3);
    expect(errors.map((error) => error.type)).toEqual(['missing-cell']);
  });

  it('reports every problem of a row at once, errors and warnings', () => {
    const { record, errors, warnings } = uk.run({
      ...UK_ROW,
      legal_form: '',
      employees: '-1',
      spinout_year: '2030',
      region: 'Mars',
      volunteers: 'some',
    });
    expect(record).toBeNull();
    expect(errors.map((error) => error.fieldName).sort()).toEqual(['employees', 'legal_form', 'spinout_year']);
    expect(warnings.map((warning) => warning.fieldName).sort()).toEqual(['region', 'volunteers']);
  });

  it('ignores unknown columns and reads a file with only the required columns', () => {
    const file = fileOf('fr-ess', ['registration_number', 'legal_form', 'is_spinout', 'sector']);
    const { record, errors } = file.run({
      registration_number: '123 456 789',
      legal_form: 'Association loi 1901',
      is_spinout: 'oui',
      sector: 'Santé',
    });
    expect(errors).toEqual([]);
    expect(record).toMatchObject({
      org_id: orgId(KEY, { registrationNumber: '123456789' }),
      legal_form: 'association',
      is_spinout: true,
      sector: 'health',
      region: null,
      employees: null,
      country: 'FR',
      currency: 'EUR',
    });
  });
});

/** A normaliser over a given uk-se header, for rows built by hand. */
function createNormaliserFor(surveyId: string, header: string[]) {
  const survey = getSurvey(surveyId);
  return createNormaliser({
    survey,
    wave: 2023,
    header: matchHeaders(header, survey),
    headerLength: header.length,
    orgKey: KEY,
    sourceFile: 'upload.csv',
    ingestedAt: INGESTED_AT,
  });
}
