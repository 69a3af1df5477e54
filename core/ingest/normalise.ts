// The row normaliser: one raw row of cells → one canonical record, or the reasons it cannot be one
// (CODEBOOK.md "errors vs warnings"). Everything that depends only on the survey and the header (which parser
// each column needs, where each value goes, the messages' expectations) is worked out once in
// createNormaliser; the per-row function then only trims, parses, builds and validates.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  type CanonicalRecord,
  CanonicalRecordSchema,
  CODE_LISTS,
  type CodeList,
  type FieldMeta,
  fieldMeta,
  type SurveyDefinition,
} from '../../schemas/index.ts';
import {
  createCodeMatcher,
  type NumberOptions,
  parseBoolean,
  parseNumber,
  parseTimestamp,
  parseYear,
} from './grammars.ts';
import type { HeaderMatch } from './headers.ts';
import type { RowIssue } from './issues.ts';
import { quoteCell } from './issues.ts';
import { orgId } from './org-id.ts';

/** What createNormaliser needs to know about the file being ingested. */
export interface NormaliserContext {
  readonly survey: SurveyDefinition;
  readonly wave: number;
  readonly header: HeaderMatch;
  /** The number of cells in the header row: a data row with more or fewer is reported. */
  readonly headerLength: number;
  /** The secret key org_id is derived under. */
  readonly orgKey: string;
  /** Recorded in source_file. */
  readonly sourceFile: string;
  /** Recorded in ingested_at, epoch milliseconds UTC. */
  readonly ingestedAt: number;
}

/** One normalised row: the record (null iff there are errors), its errors (reject) and warnings (keep). */
export interface NormalisedRow {
  readonly record: CanonicalRecord | null;
  readonly errors: RowIssue[];
  readonly warnings: RowIssue[];
}

/** Turns the cells of one data row and its report row number into a NormalisedRow. */
export type Normaliser = (cells: readonly string[], rowNumber: number) => NormalisedRow;

/** What one canonical field needs for parsing and for messages, derived from the schema once. */
interface FieldPlan {
  readonly name: FieldName;
  /** Not nullable in the schema: blank or unreadable rejects the row. */
  readonly required: boolean;
  /** "a whole number >= 0", for messages. */
  readonly expected: string;
  /** Reads a trimmed cell: a value, null (not known) or undefined (unreadable). */
  readonly parse: (cell: string) => unknown;
}

/** One column of the file that feeds a canonical field. */
interface ColumnPlan {
  readonly index: number;
  readonly field: FieldPlan;
}

const SHAPE = CanonicalRecordSchema.shape;
type FieldName = keyof typeof SHAPE;
/** The canonical field names in CODEBOOK order (then survey, wave): the order of every record's keys. */
const FIELD_NAMES = Object.keys(SHAPE) as FieldName[];

const INT32_MAX = 2_147_483_647;

/** A cell's text as it is read: without leading and trailing white space. */
const trimCell = (cell: string) => cell.trim();

/** What a field expects, in words, from its kind and its schema bounds: "a number from 0 to 100". */
function expectation(schema: z.ZodType, meta: FieldMeta, codes: CodeList | undefined): string {
  const inner = schema instanceof z.ZodNullable ? (schema.unwrap() as z.ZodType) : schema;
  switch (meta.kind) {
    case 'enum':
      return `one of ${(codes ?? []).map((entry) => entry.code).join(', ')} (or an answer the codebook maps to one)`;
    case 'boolean':
      return 'yes or no (or an answer the codebook maps to one)';
    case 'timestamp':
      return 'a date-time in ISO 8601 or dd/mm/yyyy [hh:mm[:ss]]';
    case 'int':
    case 'double': {
      const noun = meta.unit === 'year' ? 'a year' : meta.kind === 'int' ? 'a whole number' : 'a number';
      const min = inner instanceof z.ZodNumber ? inner.minValue : null;
      const max = inner instanceof z.ZodNumber ? inner.maxValue : null;
      // The int32 and safe-integer caps are storage limits, not rules a respondent needs to read.
      const hasMin = min !== null && min > Number.MIN_SAFE_INTEGER;
      const hasMax = max !== null && max < INT32_MAX;
      if (hasMin && hasMax) return `${noun} from ${min} to ${max}`;
      if (hasMin) return `${noun} >= ${min}`;
      if (hasMax) return `${noun} <= ${max}`;
      return noun;
    }
    default: {
      const max = inner instanceof z.ZodString ? inner.maxLength : null;
      return max === null ? 'a non-blank text' : `a non-blank text of at most ${max} characters`;
    }
  }
}

/** The grammar a field's cells are read with. */
function parserFor(meta: FieldMeta, survey: SurveyDefinition, codes: CodeList | undefined): (cell: string) => unknown {
  switch (meta.kind) {
    case 'enum':
      return createCodeMatcher(codes ?? []);
    case 'boolean':
      return parseBoolean;
    case 'timestamp':
      return parseTimestamp;
    case 'int':
    case 'double': {
      if (meta.unit === 'year') return parseYear;
      const unit: NumberOptions['unit'] =
        meta.unit === 'percent'
          ? 'percent'
          : meta.unit === 'headcount'
            ? 'count'
            : meta.kind === 'double'
              ? 'amount'
              : 'count';
      const options: NumberOptions = { decimalComma: survey.decimalComma, currency: survey.currency, unit };
      return (cell) => parseNumber(cell, options);
    }
    default:
      return (cell) => (cell === '' ? null : cell);
  }
}

/** Plans every canonical field for one survey. */
function planFields(survey: SurveyDefinition): Map<string, FieldPlan> {
  const plans = new Map<string, FieldPlan>();
  for (const name of FIELD_NAMES) {
    const schema = SHAPE[name] as z.ZodType;
    const meta = fieldMeta.get(schema);
    if (meta === undefined) throw new Error(`ingest: field "${name}" must have metadata in schemas/, got none`);
    const codes =
      meta.codes === undefined ? undefined : meta.codes === 'region' ? survey.regions : CODE_LISTS[meta.codes];
    plans.set(name, {
      name,
      required: !(schema instanceof z.ZodNullable),
      expected: expectation(schema, meta, codes),
      parse: parserFor(meta, survey, codes),
    });
  }
  return plans;
}

/** The text of a schema refinement's message without its "schemas: <field> " prefix and ", got ..." tail. */
function refinementText(message: string, field: string): string {
  const prefix = `schemas: ${field} `;
  let text = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  const got = text.lastIndexOf(', got ');
  if (got > 0) text = text.slice(0, got);
  return text;
}

/**
 * Builds the normaliser for one file. Per row: cells are trimmed; a row with more or fewer cells than the
 * header is an `extra-cell`/`missing-cell` error (the other problems are still reported); an unreadable value
 * in a required field (legal_form, is_spinout, sector) is a `type-error` error and a blank one a
 * `constraint-error` error; an unreadable value in an optional field is a `type-error` warning and the field
 * becomes null; ranges and cross-field rules (spin-out fields while is_spinout is false, years after the wave)
 * come from CanonicalRecordSchema and are `constraint-error` errors. Identity and contact cells are read only
 * to derive org_id; they never reach the record.
 */
export function createNormaliser(ctx: NormaliserContext): Normaliser {
  const { survey, header, headerLength } = ctx;
  const plans = planFields(survey);
  // Every row's record starts as a copy of this: every field null but those the file fixes.
  const template: Record<string, unknown> = Object.fromEntries(FIELD_NAMES.map((name) => [name, null]));
  Object.assign(template, {
    country: survey.country,
    currency: survey.currency,
    source_file: ctx.sourceFile,
    ingested_at: ctx.ingestedAt,
    survey: survey.id,
    wave: ctx.wave,
  });

  const columns: ColumnPlan[] = [];
  const columnOf = new Map<string, number>();
  let idColumn = -1;
  let registrationColumn = -1;
  let nameColumn = -1;
  let postcodeColumn = -1;
  header.fields.forEach((field, index) => {
    if (field === null) return;
    if (field === 'response_id') idColumn = index;
    else if (field === 'registration_number') registrationColumn = index;
    else if (field === 'org_name') nameColumn = index;
    else if (field === 'postcode') postcodeColumn = index;
    else {
      const plan = plans.get(field);
      // Contact fields have no canonical field: they are dropped unread.
      if (plan !== undefined) {
        columns.push({ index, field: plan });
        columnOf.set(plan.name, index);
      }
    }
  });
  columnOf.set('response_id', idColumn);

  return (cells, rowNumber) => {
    const errors: RowIssue[] = [];
    const warnings: RowIssue[] = [];
    // Fields with an error already: zod's issues on them would say the same thing again.
    const flagged: string[] = [];
    const count = cells.length;
    if (count > headerLength) {
      errors.push({
        type: 'extra-cell',
        rowNumber,
        cell: cells[headerLength]!,
        message: `ingest: row has ${count} cells but the header has ${headerLength}; expected at most ${headerLength} (row ${rowNumber})`,
      });
    } else if (count < headerLength) {
      errors.push({
        type: 'missing-cell',
        rowNumber,
        message: `ingest: row has ${count} cells but the header has ${headerLength}; expected ${headerLength} (row ${rowNumber})`,
      });
    }

    const record = { ...template };
    for (const { index, field } of columns) {
      if (index >= count) {
        // Covered by the missing-cell error: the same gap is not reported again as a blank required value.
        flagged.push(field.name);
        continue;
      }
      const cell = trimCell(cells[index]!);
      const value = field.parse(cell);
      if (value === undefined) {
        flagged.push(field.name);
        const message = `ingest: column "${field.name}" must be ${field.expected}, got ${quoteCell(cell)} (row ${rowNumber})`;
        if (field.required) errors.push({ type: 'type-error', rowNumber, fieldName: field.name, cell, message });
        else {
          warnings.push({
            type: 'type-error',
            rowNumber,
            fieldName: field.name,
            cell,
            message: `${message}; it was set to null`,
          });
        }
      } else if (value === null) {
        if (field.required) {
          flagged.push(field.name);
          errors.push({
            type: 'constraint-error',
            rowNumber,
            fieldName: field.name,
            cell,
            message: `ingest: column "${field.name}" is required and must be ${field.expected}, got ${cell === '' ? 'a blank cell' : `${quoteCell(cell)}, which means not known`} (row ${rowNumber})`,
          });
        }
      } else {
        record[field.name] = value;
      }
    }

    // The respondent id, or when the file has none (or this row's is blank) a digest of the raw row: the cells
    // exactly as read, joined by the unit separator U+001F, which cannot occur in a cell of a text file.
    const id = idColumn >= 0 && idColumn < count ? trimCell(cells[idColumn]!) : '';
    record.response_id = id !== '' ? id : createHash('sha256').update(cells.join('\u001f')).digest('hex').slice(0, 16);

    const identity = (column: number) => (column >= 0 ? trimCell(cells[column] ?? '') : null);
    const org = orgId(ctx.orgKey, {
      registrationNumber: identity(registrationColumn),
      orgName: identity(nameColumn),
      postcode: identity(postcodeColumn),
    });
    if (org === null) {
      flagged.push('org_id');
      // No cell: identity values are never echoed into reports.
      errors.push({
        type: 'constraint-error',
        rowNumber,
        fieldName: 'org_id',
        message: `ingest: column "org_id" cannot be derived: the row must have a registration number or an organisation name, got neither (row ${rowNumber})`,
      });
    }
    record.org_id = org;
    record.source_row = rowNumber;

    // The schema is the judge of ranges and cross-field rules.
    const result = CanonicalRecordSchema.safeParse(record);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const name = String(issue.path[0] ?? '');
        if (flagged.includes(name)) continue;
        flagged.push(name);
        const column = columnOf.get(name) ?? -1;
        const cell = column >= 0 && column < count ? trimCell(cells[column]!) : String(record[name]);
        const plan = plans.get(name);
        const what =
          issue.code === 'custom' ? refinementText(issue.message, name) : `must be ${plan?.expected ?? 'valid'}`;
        errors.push({
          type: issue.code === 'invalid_type' || issue.code === 'invalid_value' ? 'type-error' : 'constraint-error',
          rowNumber,
          fieldName: name,
          cell,
          message: `ingest: column "${name}" ${what}, got ${quoteCell(cell)} (row ${rowNumber})`,
        });
      }
    }
    return { record: errors.length === 0 ? (result.data as CanonicalRecord) : null, errors, warnings };
  };
}
