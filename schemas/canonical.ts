// The canonical record (CODEBOOK.md "The canonical record"): the one zod schema every other representation
// (Glue columns, Parquet schema, JSON Schema, the printed codebook) is derived from, with its column metadata
// held in a typed registry. Kept to plain checks so one safeParse per row stays cheap on a million rows.
import { z } from 'zod';
import { type CodeList, LEGAL_FORMS, PARENT_BODIES, SECTORS, TURNOVER_TRENDS } from './code-lists.ts';

/** The storage kind of a column; the derivations map it to Parquet, Glue and JSON Schema types. */
export type FieldKind = 'string' | 'int' | 'double' | 'boolean' | 'timestamp' | 'enum';

/** The code lists a coded column draws from; `region` depends on the survey. */
export type CodeListName = 'legal_form' | 'sector' | 'parent_body' | 'turnover_trend' | 'region';

/** Column metadata kept on the schema (STYLE.md 4). */
export type FieldMeta = {
  /** The CODEBOOK rule text for the column. */
  description: string;
  /** "GBP/EUR (see currency)", "headcount", "percent" or "year", where one applies. */
  unit?: string;
  /** True when the value singles out one organisation or respondent (even by a pseudonym): never published. */
  pii: boolean;
  /** True for the partition columns survey and wave, which are not stored in the Parquet files. */
  partition?: boolean;
  kind: FieldKind;
  codes?: CodeListName;
  /**
   * True when every row of one file gets the same value from the pipeline (not from a cell): like a coded
   * column, it is stored dictionary-encoded, as one small index a row.
   */
  perFile?: boolean;
};

/** The registry holding every canonical column's metadata. */
export const fieldMeta = z.registry<FieldMeta>();

/** The code lists by name; region is absent because it comes from the survey definition. */
export const CODE_LISTS: Readonly<Record<Exclude<CodeListName, 'region'>, CodeList>> = {
  legal_form: LEGAL_FORMS,
  sector: SECTORS,
  parent_body: PARENT_BODIES,
  turnover_trend: TURNOVER_TRENDS,
};

function codes(list: CodeList): [string, ...string[]] {
  const values = list.map((item) => item.code);
  if (values.length === 0) throw new Error('schemas: a code list must have at least one code, got none');
  return values as [string, ...string[]];
}

/** The unit of money columns: the survey's currency (its `currency` column). */
export const CURRENCY_UNIT = 'GBP/EUR (see currency)';
// Factories, not shared constants: `.register` attaches metadata to the very instance it is called on, so two
// columns sharing one instance would share (and overwrite) each other's metadata.
// Ints are stored as Parquet int32 / Glue int, so they are zod int32 (one check covers whole number and range)
// and the derivations can verify the bound. A year's real upper bound is the wave (the refinement below); 2200
// only keeps a year's own range readable in messages and JSON Schema.
const year = (min: number) => z.int32().min(min).max(2200);
const count = () => z.int32().min(0);
const amount = () => z.number().min(0);
const percent = () => z.number().min(0).max(100);
// Timestamps are UTC epoch milliseconds in memory: cheap to compare and exactly Parquet's timestamp_millis.
const timestamp = () => z.int();

/** One violation of a cross-field rule: the field it is reported on, its value and the message. */
export interface CrossFieldIssue {
  readonly path: [string];
  readonly input: unknown;
  readonly message: string;
}

/**
 * The rules that span fields (CODEBOOK.md): a year no later than the wave, and no spin-out details when
 * is_spinout is false. Calls `report` once per violation. The schema's refinement and the compiled per-row
 * check (validate.ts) both run exactly this function, so the rules are written once. Runs even when a field
 * failed its own check, so a row gets every problem at once; hence the typeof guards.
 */
export function checkCrossFields(record: Readonly<Record<string, unknown>>, report: (issue: CrossFieldIssue) => void) {
  const wave = record.wave;
  if (typeof wave !== 'number') return;
  for (const field of ['founded_year', 'spinout_year'] as const) {
    const year = record[field];
    if (typeof year === 'number' && year > wave) {
      report({
        path: [field],
        input: year,
        message: `schemas: ${field} must be a year no later than the wave ${wave}, got ${year}`,
      });
    }
  }
  if (record.is_spinout === false) {
    for (const field of ['spinout_year', 'parent_body'] as const) {
      const value = record[field];
      if (value !== null && value !== undefined) {
        report({
          path: [field],
          input: value,
          message: `schemas: ${field} must be blank when is_spinout is false, got ${JSON.stringify(value)}`,
        });
      }
    }
  }
}

/** The canonical record: CODEBOOK fields in CODEBOOK order, then the partition fields survey and wave. */
export const CanonicalRecordSchema = z
  .strictObject({
    // A respondent id is short; a bound keeps a runaway cell from becoming a curated value.
    response_id: z.string().min(1).max(200).register(fieldMeta, {
      kind: 'string',
      pii: true,
      description:
        'the raw respondent id (at most 200 characters); if the file has none, the first 16 hex characters of the SHA-256 of the raw row',
    }),
    org_id: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .register(fieldMeta, {
        kind: 'string',
        pii: true,
        description:
          'pseudonymous and stable across waves: HMAC-SHA256 under a secret key of the registration number, or when blank of the name plus postcode, each folded, spaces stripped; 16 hex characters',
      }),
    submitted_at: timestamp().nullable().register(fieldMeta, {
      kind: 'timestamp',
      pii: false,
      description:
        'when the response was submitted: ISO 8601, or UK dd/mm/yyyy with optional hh:mm[:ss]; a time without a zone is UTC',
    }),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .register(fieldMeta, {
        kind: 'string',
        pii: false,
        perFile: true,
        description: 'from the survey definition: GB or FR',
      }),
    region: z.string().min(1).nullable().register(fieldMeta, {
      kind: 'enum',
      codes: 'region',
      pii: false,
      description: 'GB: ITL1 code; FR: ISO 3166-2 region code (the survey definition lists them)',
    }),
    legal_form: z.enum(codes(LEGAL_FORMS)).register(fieldMeta, {
      kind: 'enum',
      codes: 'legal_form',
      pii: false,
      description: 'legal form of the organisation',
    }),
    is_spinout: z
      .boolean()
      .register(fieldMeta, { kind: 'boolean', pii: false, description: 'spun out of a public-sector body' }),
    spinout_year: year(1948).nullable().register(fieldMeta, {
      kind: 'int',
      unit: 'year',
      pii: false,
      description: 'year of spin-out, 1948 <= year <= wave; must be blank when is_spinout is false',
    }),
    parent_body: z.enum(codes(PARENT_BODIES)).nullable().register(fieldMeta, {
      kind: 'enum',
      codes: 'parent_body',
      pii: false,
      description: 'the public body spun out of; must be blank when is_spinout is false',
    }),
    sector: z.enum(codes(SECTORS)).register(fieldMeta, {
      kind: 'enum',
      codes: 'sector',
      pii: false,
      description: 'main sector of activity, each tied to a NACE Rev. 2 section',
    }),
    founded_year: year(1800).nullable().register(fieldMeta, {
      kind: 'int',
      unit: 'year',
      pii: false,
      description: 'year established, 1800 <= year <= wave',
    }),
    employees: count().nullable().register(fieldMeta, {
      kind: 'int',
      unit: 'headcount',
      pii: false,
      description: 'number of paid employees, >= 0 (headcount)',
    }),
    volunteers: count().nullable().register(fieldMeta, {
      kind: 'int',
      unit: 'headcount',
      pii: false,
      description: 'number of volunteers, >= 0',
    }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .register(fieldMeta, {
        kind: 'string',
        pii: false,
        perFile: true,
        description: 'from the survey definition: GBP or EUR',
      }),
    turnover: amount().nullable().register(fieldMeta, {
      kind: 'double',
      unit: CURRENCY_UNIT,
      pii: false,
      description: 'turnover in the last financial year, >= 0, in currency',
    }),
    turnover_prev: amount().nullable().register(fieldMeta, {
      kind: 'double',
      unit: CURRENCY_UNIT,
      pii: false,
      description: 'turnover in the previous financial year, >= 0, in currency',
    }),
    turnover_trend: z.enum(codes(TURNOVER_TRENDS)).nullable().register(fieldMeta, {
      kind: 'enum',
      codes: 'turnover_trend',
      pii: false,
      description: 'self-reported: increased, same or decreased',
    }),
    public_income_pct: percent().nullable().register(fieldMeta, {
      kind: 'double',
      unit: 'percent',
      pii: false,
      description: 'share of income from the public sector, 0-100',
    }),
    surplus_reinvested_pct: percent().nullable().register(fieldMeta, {
      kind: 'double',
      unit: 'percent',
      pii: false,
      description: 'share of surplus reinvested, 0-100',
    }),
    employee_owned: z
      .boolean()
      .nullable()
      .register(fieldMeta, { kind: 'boolean', pii: false, description: 'the organisation is owned by its employees' }),
    staff_voice_strategy: z
      .boolean()
      .nullable()
      .register(fieldMeta, { kind: 'boolean', pii: false, description: 'staff take part in decisions on strategy' }),
    staff_voice_policy: z.boolean().nullable().register(fieldMeta, {
      kind: 'boolean',
      pii: false,
      description: 'staff take part in decisions on policy and procedures',
    }),
    staff_voice_operations: z.boolean().nullable().register(fieldMeta, {
      kind: 'boolean',
      pii: false,
      description: 'staff take part in decisions on day-to-day operations and service delivery',
    }),
    measures_social_value: z.boolean().nullable().register(fieldMeta, {
      kind: 'boolean',
      pii: false,
      description: 'measures its social impact or social utility',
    }),
    new_services: z
      .boolean()
      .nullable()
      .register(fieldMeta, { kind: 'boolean', pii: false, description: 'introduced new services since the last wave' }),
    source_file: z.string().min(1).register(fieldMeta, {
      kind: 'string',
      pii: false,
      perFile: true,
      description: "the uploaded object's key or file name",
    }),
    source_row: z.int32().min(2).register(fieldMeta, {
      kind: 'int',
      pii: false,
      description: "the row's number as the validation report gives it: the header is row 1, the first data row is 2",
    }),
    ingested_at: timestamp().register(fieldMeta, {
      kind: 'timestamp',
      pii: false,
      description: 'when the pipeline ingested the file, UTC',
    }),
    survey: z
      .string()
      .min(1)
      .register(fieldMeta, { kind: 'string', pii: false, partition: true, description: 'the survey id (partition)' }),
    wave: year(1800).register(fieldMeta, {
      kind: 'int',
      unit: 'year',
      pii: false,
      partition: true,
      description: 'the wave, a year (partition)',
    }),
  })
  .superRefine((record, ctx) => checkCrossFields(record, (issue) => ctx.addIssue({ code: 'custom', ...issue })), {
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

/** One canonical record in memory: timestamps are UTC epoch milliseconds, codes are strings. */
export type CanonicalRecord = z.infer<typeof CanonicalRecordSchema>;
