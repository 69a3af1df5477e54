import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CANONICAL_COLUMNS,
  type CanonicalRecord,
  deriveFields,
  FIELDS,
  type FieldMeta,
  fieldMeta,
  getSurvey,
  glueColumns,
  gluePartitionKeys,
  parquetColumns,
  SchemaDerivationError,
  toJsonSchema,
} from '../../../schemas/index.ts';

// CODEBOOK.md "The canonical record", in table order, then the partition columns.
const CODEBOOK_FIELDS = [
  'response_id',
  'org_id',
  'submitted_at',
  'country',
  'region',
  'legal_form',
  'is_spinout',
  'spinout_year',
  'parent_body',
  'sector',
  'founded_year',
  'employees',
  'volunteers',
  'currency',
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
  'source_file',
  'source_row',
  'ingested_at',
];

// The CODEBOOK "type" and "required" columns.
const CODEBOOK_TYPES: Record<string, [string, boolean]> = {
  response_id: ['string', true],
  org_id: ['string', true],
  submitted_at: ['timestamp', false],
  country: ['string', true],
  region: ['string', false],
  legal_form: ['enum', true],
  is_spinout: ['boolean', true],
  spinout_year: ['int', false],
  parent_body: ['enum', false],
  sector: ['enum', true],
  founded_year: ['int', false],
  employees: ['int', false],
  volunteers: ['int', false],
  currency: ['string', true],
  turnover: ['double', false],
  turnover_prev: ['double', false],
  turnover_trend: ['enum', false],
  public_income_pct: ['double', false],
  surplus_reinvested_pct: ['double', false],
  employee_owned: ['boolean', false],
  staff_voice_strategy: ['boolean', false],
  staff_voice_policy: ['boolean', false],
  staff_voice_operations: ['boolean', false],
  measures_social_value: ['boolean', false],
  new_services: ['boolean', false],
  source_file: ['string', true],
  source_row: ['int', true],
  ingested_at: ['timestamp', true],
};

const GOOD: CanonicalRecord = {
  response_id: 'R-7',
  org_id: 'fedcba9876543210',
  submitted_at: null,
  country: 'FR',
  region: 'FR-IDF',
  legal_form: 'association',
  is_spinout: false,
  spinout_year: null,
  parent_body: null,
  sector: 'social_care',
  founded_year: 1998,
  employees: 12,
  volunteers: 40,
  currency: 'EUR',
  turnover: 480_000,
  turnover_prev: null,
  turnover_trend: 'same',
  public_income_pct: 64,
  surplus_reinvested_pct: null,
  employee_owned: false,
  staff_voice_strategy: null,
  staff_voice_policy: null,
  staff_voice_operations: true,
  measures_social_value: true,
  new_services: null,
  source_file: 'enquete-2024.csv',
  source_row: 17,
  ingested_at: 1_764_018_000_000,
  survey: 'fr-ess',
  wave: 2024,
};

describe('FIELDS', () => {
  it('lists the codebook fields in codebook order, then the partitions survey and wave', () => {
    expect(FIELDS.map((field) => field.name)).toEqual([...CODEBOOK_FIELDS, 'survey', 'wave']);
    expect(CANONICAL_COLUMNS).toEqual(CODEBOOK_FIELDS);
    expect(FIELDS.filter((field) => field.partition).map((field) => field.name)).toEqual(['survey', 'wave']);
  });

  it.each(Object.entries(CODEBOOK_TYPES))(
    'gives %s the type and requiredness of the codebook',
    (name, [type, required]) => {
      const field = FIELDS.find((candidate) => candidate.name === name);
      // The codebook calls region a string; it is coded against the survey's region list.
      expect(field?.kind === 'enum' && name === 'region' ? 'string' : field?.kind).toBe(type);
      expect(field?.required).toBe(required);
      expect(field?.nullable).toBe(!required);
    },
  );

  it('describes every field and gives units where they apply', () => {
    for (const field of FIELDS) expect(field.description.length).toBeGreaterThan(10);
    const units = Object.fromEntries(FIELDS.filter((field) => field.unit).map((field) => [field.name, field.unit]));
    expect(units).toEqual({
      spinout_year: 'year',
      founded_year: 'year',
      employees: 'headcount',
      volunteers: 'headcount',
      turnover: 'GBP/EUR (see currency)',
      turnover_prev: 'GBP/EUR (see currency)',
      public_income_pct: 'percent',
      surplus_reinvested_pct: 'percent',
      wave: 'year',
    });
  });

  it('ties every coded field to its code list', () => {
    const codes = Object.fromEntries(FIELDS.filter((field) => field.codes).map((field) => [field.name, field.codes]));
    expect(codes).toEqual({
      region: 'region',
      legal_form: 'legal_form',
      parent_body: 'parent_body',
      sector: 'sector',
      turnover_trend: 'turnover_trend',
    });
  });

  it('flags only the two identifiers as PII', () => {
    expect(FIELDS.filter((field) => field.pii).map((field) => field.name)).toEqual(['response_id', 'org_id']);
  });
});

describe('deriveFields', () => {
  const meta = (kind: FieldMeta['kind']): FieldMeta => ({ kind, pii: false, description: 'a test column' });

  it('throws when a column has no metadata', () => {
    expect(() => deriveFields(z.object({ bare: z.string() }))).toThrow(
      'schemas: column "bare" must carry field metadata, got none',
    );
  });

  it('throws when the declared kind does not match the zod type', () => {
    const registry = z.registry<FieldMeta>();
    const schema = z.object({ count: z.number().register(registry, meta('int')) });
    expect(() => deriveFields(schema, registry)).toThrow(SchemaDerivationError);
    expect(() => deriveFields(schema, registry)).toThrow(/column "count" of kind int must be a zod int/);
  });

  it('throws on a type it cannot express, such as a date or an optional key', () => {
    const registry = z.registry<FieldMeta>();
    expect(() => deriveFields(z.object({ when: z.date().register(registry, meta('timestamp')) }), registry)).toThrow(
      /must be a zod int, got zod type date/,
    );
    expect(() =>
      deriveFields(z.object({ maybe: z.string().optional().register(registry, meta('string')) }), registry),
    ).toThrow(SchemaDerivationError);
  });

  it('throws when two columns share one zod instance (and so one metadata entry)', () => {
    const shared = z.string().register(fieldMeta, meta('string'));
    expect(() => deriveFields(z.object({ a: shared, b: shared }))).toThrow(/column "b" must be its own zod instance/);
  });
});

describe('Parquet and Glue columns', () => {
  it('store every non-partition column with its Parquet type', () => {
    const types = Object.fromEntries(parquetColumns().map((column) => [column.name, column.type]));
    expect(Object.keys(types)).toEqual(CODEBOOK_FIELDS);
    expect(types).toMatchObject({
      org_id: 'string',
      submitted_at: 'timestamp_millis',
      ingested_at: 'timestamp_millis',
      legal_form: 'string',
      region: 'string',
      is_spinout: 'boolean',
      employees: 'int32',
      source_row: 'int32',
      turnover: 'double',
      public_income_pct: 'double',
    });
    expect(parquetColumns().find((column) => column.name === 'turnover')?.nullable).toBe(true);
    expect(parquetColumns().find((column) => column.name === 'sector')?.nullable).toBe(false);
  });

  it('dictionary-encode the coded columns and those with one value a file, and no other', () => {
    const dictionary = parquetColumns()
      .filter((column) => column.dictionary === true)
      .map((column) => column.name);
    expect(dictionary).toEqual([
      'country',
      'region',
      'legal_form',
      'parent_body',
      'sector',
      'currency',
      'turnover_trend',
      'source_file',
    ]);
  });

  it('give Glue the Hive types and a one-line comment within 255 characters', () => {
    const glue = glueColumns();
    expect(glue.map((column) => column.name)).toEqual(CODEBOOK_FIELDS);
    expect(Object.fromEntries(glue.map((column) => [column.name, column.type]))).toMatchObject({
      submitted_at: 'timestamp',
      employees: 'int',
      turnover: 'double',
      new_services: 'boolean',
      sector: 'string',
    });
    for (const column of glue) {
      expect(column.comment.length).toBeGreaterThan(0);
      expect(column.comment.length).toBeLessThanOrEqual(255);
    }
    expect(glue.find((column) => column.name === 'employees')?.comment).toContain('[headcount]');
  });

  it('partition the Glue table by survey then wave', () => {
    expect(gluePartitionKeys()).toEqual([
      { name: 'survey', type: 'string' },
      { name: 'wave', type: 'int' },
    ]);
  });
});

describe('toJsonSchema', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addVocabulary(['x-unit', 'x-pii', 'x-kind', 'x-codes', 'x-partition', 'x-format']);
  const validate = ajv.compile(toJsonSchema());
  const validateFr = ajv.compile(toJsonSchema(getSurvey('fr-ess')));

  it('validates a good record with ajv', () => {
    expect(validate(GOOD), JSON.stringify(validate.errors)).toBe(true);
    expect(validateFr(GOOD), JSON.stringify(validateFr.errors)).toBe(true);
  });

  it.each([
    ['a negative headcount', { employees: -1 }],
    ['an unknown sector', { sector: 'aerospace' }],
    ['a missing required field', { org_id: undefined }],
    ['an extra identity column', { org_name: 'Acme' }],
    ['a share over 100', { public_income_pct: 101 }],
    ['a fractional source row', { source_row: 2.5 }],
  ])('rejects a record with %s', (_name, change) => {
    const bad = JSON.parse(JSON.stringify({ ...GOOD, ...change }));
    expect(validate(bad)).toBe(false);
  });

  it('pins region, country and currency to the survey when given one', () => {
    expect(validateFr({ ...GOOD, region: 'TLC' })).toBe(false);
    expect(validateFr({ ...GOOD, currency: 'GBP' })).toBe(false);
    expect(validate({ ...GOOD, region: 'TLC' })).toBe(true);
  });

  it('carries the metadata: descriptions and x- keywords', () => {
    const properties = toJsonSchema().properties as Record<string, Record<string, unknown>>;
    expect(properties.employees).toMatchObject({ 'x-unit': 'headcount', 'x-pii': false, 'x-kind': 'int' });
    expect(properties.org_id).toMatchObject({ 'x-pii': true });
    expect(properties.sector?.description).toContain('NACE');
    expect(properties.wave).toMatchObject({ 'x-partition': true });
  });

  it('is a pure function: each call returns a fresh document', () => {
    const first = toJsonSchema();
    (first.properties as Record<string, unknown>).employees = 'tampered';
    expect((toJsonSchema().properties as Record<string, unknown>).employees).not.toBe('tampered');
  });
});
