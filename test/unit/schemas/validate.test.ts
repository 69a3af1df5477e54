import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CanonicalRecord,
  CanonicalRecordSchema,
  compileFieldsCheck,
  compileRecordCheck,
  LEGAL_FORMS,
  PARENT_BODIES,
  SchemaDerivationError,
  SECTORS,
  TURNOVER_TRENDS,
} from '../../../schemas/index.ts';
import { GOOD_RECORD } from '../../helpers/records.ts';

const GOOD = GOOD_RECORD;
const FIELDS = Object.keys(GOOD) as (keyof CanonicalRecord)[];

// Values chosen by hand around every bound and type the schema could have, not read from the schema.
const NUMBERS = [
  -1,
  -0,
  0,
  0.5,
  1,
  2,
  1.5,
  99.99,
  100,
  100.0001,
  1799,
  1800,
  1947,
  1948,
  2012,
  2023,
  2024,
  2200,
  2201,
  2_147_483_647,
  2_147_483_648,
  -2_147_483_648,
  -2_147_483_649,
  1e15,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];
const STRINGS = [
  '',
  ' ',
  'x',
  'GB',
  'gb',
  'GBP',
  'GBPX',
  'FR',
  'EUR',
  'G1',
  '0123456789abcdef',
  '0123456789ABCDEF',
  '0123456789abcde',
  '0123456789abcdef0',
  'TLC',
  'true',
  '2023',
  ...[LEGAL_FORMS, PARENT_BODIES, SECTORS, TURNOVER_TRENDS].flatMap((list) => list.map((entry) => entry.code)),
];
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(...STRINGS),
  fc.constantFrom(true, false, null, undefined),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constant({}),
  fc.constant([]),
);

const check = compileRecordCheck();

describe('compileRecordCheck', () => {
  it('accepts a valid record and agrees with safeParse on it', () => {
    expect(CanonicalRecordSchema.safeParse(GOOD).success).toBe(true);
    expect(check(GOOD)).toBe(true);
  });

  it('agrees with CanonicalRecordSchema.safeParse on every field set to every hand-picked value', () => {
    let rejected = 0;
    for (const field of FIELDS) {
      for (const value of [...NUMBERS, ...STRINGS, true, false, null, undefined, {}, []]) {
        const record: Record<string, unknown> = { ...GOOD, [field]: value };
        const expected = CanonicalRecordSchema.safeParse(record).success;
        if (!expected) rejected++;
        expect([field, value, check(record)]).toEqual([field, value, expected]);
      }
    }
    // Most single changes break the record: the comparison above is not vacuous.
    expect(rejected).toBeGreaterThan(FIELDS.length * 40);
  });

  it('agrees with CanonicalRecordSchema.safeParse on records with a few fields changed to anything', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...FIELDS), anyValue), { maxLength: 4 }), (changes) => {
        const record: Record<string, unknown> = { ...GOOD };
        for (const [field, value] of changes) record[field] = value;
        expect(check(record)).toBe(CanonicalRecordSchema.safeParse(record).success);
      }),
      { numRuns: 20_000 },
    );
  });

  it('rejects what only the cross-field rules forbid', () => {
    expect(check({ ...GOOD, founded_year: 2024 })).toBe(false);
    expect(check({ ...GOOD, is_spinout: false })).toBe(false);
    expect(check({ ...GOOD, is_spinout: false, spinout_year: null, parent_body: null })).toBe(true);
    expect(CanonicalRecordSchema.safeParse({ ...GOOD, founded_year: 2024 }).success).toBe(false);
  });

  it('rejects a record whose required field is missing or null', () => {
    for (const field of ['org_id', 'legal_form', 'is_spinout', 'sector', 'source_row'] as const) {
      const missing: Record<string, unknown> = { ...GOOD };
      delete missing[field];
      expect(check(missing)).toBe(false);
      expect(check({ ...GOOD, [field]: null })).toBe(false);
    }
  });
});

describe('compileFieldsCheck', () => {
  it('refuses a schema construct it cannot compile rather than skipping it', () => {
    expect(() => compileFieldsCheck(z.object({ a: z.string() }))).toThrow(SchemaDerivationError);
    expect(() => compileFieldsCheck(z.strictObject({ a: z.email() }))).toThrow(/string format/);
    expect(() => compileFieldsCheck(z.strictObject({ a: z.date() }))).toThrow(/zod type/);
    expect(() => compileFieldsCheck(z.strictObject({ a: z.number().multipleOf(2) }))).toThrow(/zod check/);
  });

  it('compiles string, number and enum bounds that agree with zod', () => {
    const schema = z.strictObject({
      s: z.string().min(2).max(4),
      n: z.number().gt(0).lt(10),
      e: z.enum(['a', 'b']).nullable(),
    });
    const fields = compileFieldsCheck(schema);
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, (s, n, e) => {
        const record = { s, n, e };
        expect(fields(record)).toBe(schema.safeParse(record).success);
      }),
      { numRuns: 5000 },
    );
  });

  it('compiles fixed-length character-class patterns (as org_id has) that agree with zod, and others as regexes', () => {
    const schema = z.strictObject({
      id: z.string().regex(/^[0-9a-f]{16}$/),
      code: z.string().regex(/^[A-Z0-9]{3}$/),
      other: z.string().regex(/^[a-f]+$/i),
    });
    const fields = compileFieldsCheck(schema);
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg-é\u0130 '), maxLength: 18 });
    const text = fc.oneof(hexish, fc.string({ maxLength: 5 }), anyValue);
    fc.assert(
      fc.property(text, text, text, (id, code, other) => {
        const record = { id, code, other };
        expect(fields(record)).toBe(schema.safeParse(record).success);
      }),
      { numRuns: 5000 },
    );
    const valid = { id: '0123456789abcdef', code: 'A1Z', other: 'aBf' };
    expect(fields(valid)).toBe(true);
    for (const [key, value] of [
      ['id', '0123456789abcdeF'],
      ['id', '0123456789abcde'],
      ['id', '0123456789abcdef0'],
      ['code', 'a1z'],
      ['other', 'g'],
    ] as const) {
      expect(fields({ ...valid, [key]: value })).toBe(false);
    }
  });
});
