// Pure derivations from the canonical zod schema and its registry (STYLE.md 4): the column list, JSON Schema,
// the Parquet schema and the Glue columns. Each throws on anything it cannot express rather than guessing.
import { z } from 'zod';
import { CanonicalRecordSchema, CODE_LISTS, type CodeListName, type FieldKind, fieldMeta } from './canonical.ts';
import type { SurveyDefinition } from './survey-definition.ts';
import { WeightRowSchema, weightsFieldMeta } from './weights.ts';

/** One canonical column as the derivations see it. */
export type FieldSpec = {
  readonly name: string;
  readonly kind: FieldKind;
  /** True when the value may never be null (CODEBOOK "required"). */
  readonly required: boolean;
  readonly nullable: boolean;
  readonly description: string;
  readonly unit?: string;
  readonly pii: boolean;
  readonly partition: boolean;
  readonly codes?: CodeListName;
  /** The same value in every row of a file (FieldMeta.perFile). */
  readonly perFile: boolean;
};

/** A derivation met a schema construct it cannot express. */
export class SchemaDerivationError extends Error {
  /** Creates a one-line derivation error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SchemaDerivationError';
  }
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** Checks that the zod type of a column agrees with the kind its metadata declares. */
function checkKind(name: string, kind: FieldKind, inner: z.ZodType, codes: CodeListName | undefined): void {
  const type = inner.def.type;
  const fail = (expected: string) =>
    new SchemaDerivationError(`schemas: column "${name}" of kind ${kind} must be ${expected}, got zod type ${type}`);
  switch (kind) {
    case 'string':
      if (!(inner instanceof z.ZodString)) throw fail('a zod string');
      return;
    case 'boolean':
      if (!(inner instanceof z.ZodBoolean)) throw fail('a zod boolean');
      return;
    case 'double':
      if (!(inner instanceof z.ZodNumber) || inner.isInt) throw fail('a zod number that is not an int');
      return;
    case 'int':
    case 'timestamp':
      if (!(inner instanceof z.ZodNumber) || !inner.isInt) throw fail('a zod int');
      return;
    case 'enum': {
      if (codes === undefined) throw fail('tied to a code list (meta.codes)');
      // Regions depend on the survey, so the schema holds a string and the normaliser checks the code.
      if (codes === 'region') {
        if (!(inner instanceof z.ZodString)) throw fail('a zod string (regions depend on the survey)');
        return;
      }
      if (!(inner instanceof z.ZodEnum)) throw fail('a zod enum');
      const expected = CODE_LISTS[codes].map((entry) => entry.code);
      const actual = inner.options.map(String);
      if (expected.join('|') !== actual.join('|')) {
        throw fail(`an enum of the ${codes} codes ${expected.join('|')} (got ${actual.join('|')})`);
      }
      return;
    }
  }
}

/** Derives the column list of an object schema from its shape and the metadata registry. */
export function deriveFields(schema: AnyObject, registry = fieldMeta): readonly FieldSpec[] {
  const seen = new Map<unknown, string>();
  return Object.entries(schema.shape).map(([name, column]) => {
    const other = seen.get(column);
    if (other !== undefined) {
      throw new SchemaDerivationError(
        `schemas: column "${name}" must be its own zod instance, got the one of "${other}"`,
      );
    }
    seen.set(column, name);
    const meta = registry.get(column);
    if (!meta) throw new SchemaDerivationError(`schemas: column "${name}" must carry field metadata, got none`);
    if (!meta.description) throw new SchemaDerivationError(`schemas: column "${name}" must have a description`);
    const nullable = column instanceof z.ZodNullable;
    const inner = (nullable ? column.unwrap() : column) as z.ZodType;
    if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) {
      throw new SchemaDerivationError(
        `schemas: column "${name}" must be a plain type or .nullable() (key always present), got ${inner.def.type}`,
      );
    }
    checkKind(name, meta.kind, inner, meta.codes);
    const spec: FieldSpec = {
      name,
      kind: meta.kind,
      required: !nullable,
      nullable,
      description: meta.description,
      pii: meta.pii,
      partition: meta.partition === true,
      perFile: meta.perFile === true,
      ...(meta.unit === undefined ? {} : { unit: meta.unit }),
      ...(meta.codes === undefined ? {} : { codes: meta.codes }),
    };
    return Object.freeze(spec);
  });
}

/** Every canonical column in CODEBOOK order, the partition fields survey and wave last. */
export const FIELDS: readonly FieldSpec[] = Object.freeze(deriveFields(CanonicalRecordSchema));

/** The names of the stored (non-partition) canonical columns, in order. */
export const CANONICAL_COLUMNS: readonly string[] = Object.freeze(
  FIELDS.filter((field) => !field.partition).map((field) => field.name),
);

/** A JSON Schema document. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of a canonical record, with each column's metadata: `description`, and the
 * rest as `x-unit`, `x-pii`, `x-kind`, `x-codes`, `x-partition` (extension keywords, so validators that
 * know only the standard still accept it). Given a survey, region, country and currency are pinned to it.
 * Cross-field rules (years against the wave, spin-out fields) are not expressible and are left to zod.
 */
export function toJsonSchema(survey?: SurveyDefinition): JsonSchema {
  const schema = z.toJSONSchema(CanonicalRecordSchema, { metadata: fieldMeta, unrepresentable: 'throw' }) as JsonSchema;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties) throw new SchemaDerivationError('schemas: JSON Schema of the canonical record has no properties');
  for (const field of FIELDS) {
    const property = properties[field.name];
    if (!property) throw new SchemaDerivationError(`schemas: JSON Schema lost column "${field.name}"`);
    for (const key of ['unit', 'pii', 'kind', 'codes', 'partition'] as const) {
      if (key in property) {
        property[`x-${key}`] = property[key];
        delete property[key];
      }
    }
    // A storage hint (dictionary encoding), not a property of the data.
    delete property.perFile;
    if (field.kind === 'timestamp') property['x-format'] = 'epoch-millis-utc';
  }
  const result: JsonSchema = { ...schema, title: 'responses', description: 'One canonical survey response' };
  if (survey) {
    result.$id = `urn:survey:${survey.id}:responses`;
    result.title = `responses (${survey.id})`;
    pin(properties, 'country', { type: 'string', const: survey.country });
    pin(properties, 'currency', { type: 'string', const: survey.currency });
    pin(properties, 'survey', { type: 'string', const: survey.id });
    pin(properties, 'region', { type: ['string', 'null'], enum: [...survey.regions.map((r) => r.code), null] });
  }
  return result;
}

/** Replaces a property's type constraints, keeping its metadata. */
function pin(properties: Record<string, Record<string, unknown>>, name: string, constraint: Record<string, unknown>) {
  const property = properties[name];
  if (!property) throw new SchemaDerivationError(`schemas: JSON Schema has no column "${name}" to pin`);
  for (const key of ['type', 'anyOf', 'pattern', 'minLength', 'enum', 'const']) delete property[key];
  Object.assign(property, constraint);
}

/** The Parquet type of a stored column. */
export type ParquetType = 'string' | 'int32' | 'double' | 'boolean' | 'timestamp_millis';

/** One Parquet column; `dictionary` marks a coded column, dictionary-encoded (a few distinct values). */
export type ParquetColumn = { name: string; type: ParquetType; nullable: boolean; dictionary?: boolean };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** The zod number behind a column, for range checks. */
function numberOf(name: string): z.ZodNumber {
  const column = CanonicalRecordSchema.shape[name as keyof typeof CanonicalRecordSchema.shape] as z.ZodType;
  const inner = column instanceof z.ZodNullable ? column.unwrap() : column;
  if (!(inner instanceof z.ZodNumber)) throw new SchemaDerivationError(`schemas: column "${name}" is not a number`);
  return inner;
}

/** The Parquet schema of the curated files: stored columns only (partitions live in the path). */
export function parquetColumns(): ParquetColumn[] {
  return FIELDS.filter((field) => !field.partition).map((field) => {
    let type: ParquetType;
    switch (field.kind) {
      case 'int': {
        const number = numberOf(field.name);
        if ((number.minValue ?? -Infinity) < INT32_MIN || (number.maxValue ?? Infinity) > INT32_MAX) {
          throw new SchemaDerivationError(
            `schemas: column "${field.name}" must be bounded to int32 to be stored as Parquet int32, got ${number.minValue}..${number.maxValue}`,
          );
        }
        type = 'int32';
        break;
      }
      case 'timestamp':
        type = 'timestamp_millis';
        break;
      case 'enum':
      case 'string':
        type = 'string';
        break;
      case 'double':
      case 'boolean':
        type = field.kind;
        break;
    }
    // Coded columns hold a code list's few values, and per-file columns one: dictionary encoding stores each as
    // a small index.
    return field.kind === 'enum' || field.perFile
      ? { name: field.name, type, nullable: field.nullable, dictionary: true }
      : { name: field.name, type, nullable: field.nullable };
  });
}

/** The Glue (Hive) type of a column. */
export type GlueType = 'string' | 'int' | 'double' | 'boolean' | 'timestamp';

/** One Glue table column. */
export type GlueColumn = { name: string; type: GlueType; comment: string };

/** Glue limits a column comment to 255 characters. */
const GLUE_COMMENT_MAX = 255;

const GLUE_OF_PARQUET: Record<ParquetType, GlueType> = {
  string: 'string',
  int32: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp_millis: 'timestamp',
};

/** The Glue columns of a table: stored columns only, typed from their Parquet type, commented from the metadata. */
function glueColumnsOf(fields: readonly FieldSpec[], types: Readonly<Record<string, ParquetType>>): GlueColumn[] {
  return fields
    .filter((field) => !field.partition)
    .map((field) => {
      const parquet = types[field.name];
      if (!parquet) throw new SchemaDerivationError(`schemas: column "${field.name}" has no Parquet type`);
      const comment = field.unit ? `${field.description} [${field.unit}]` : field.description;
      if (comment.length > GLUE_COMMENT_MAX || /[\r\n]/.test(comment)) {
        throw new SchemaDerivationError(
          `schemas: column "${field.name}" needs a one-line comment of at most ${GLUE_COMMENT_MAX} characters for Glue, got ${comment.length}`,
        );
      }
      return { name: field.name, type: GLUE_OF_PARQUET[parquet], comment };
    });
}

/** The Glue partition keys of a table, in path order. */
function partitionKeysOf(fields: readonly FieldSpec[]): { name: string; type: GlueType }[] {
  return fields
    .filter((field) => field.partition)
    .map((field) => {
      if (field.kind !== 'string' && field.kind !== 'int') {
        throw new SchemaDerivationError(
          `schemas: partition "${field.name}" must be a string or int, got ${field.kind}`,
        );
      }
      return { name: field.name, type: field.kind };
    });
}

/** The Glue columns of table `responses`: stored columns only, with a comment from the metadata. */
export function glueColumns(): GlueColumn[] {
  return glueColumnsOf(FIELDS, Object.fromEntries(parquetColumns().map((column) => [column.name, column.type])));
}

/** The Glue partition keys of table `responses`, in path order. */
export function gluePartitionKeys(): { name: string; type: GlueType }[] {
  return partitionKeysOf(FIELDS);
}

/** Every column of the `weights` table (schemas/weights.ts), the partition fields survey and wave last. */
export const WEIGHT_FIELDS: readonly FieldSpec[] = Object.freeze(deriveFields(WeightRowSchema, weightsFieldMeta));

/** The Parquet schema of a weights file: stored columns only (partitions live in the path). */
export function weightsParquetColumns(): ParquetColumn[] {
  const types: Partial<Record<FieldKind, ParquetType>> = {
    string: 'string',
    int: 'int32',
    double: 'double',
    timestamp: 'timestamp_millis',
  };
  return WEIGHT_FIELDS.filter((field) => !field.partition).map((field) => {
    const type = types[field.kind];
    if (!type)
      throw new SchemaDerivationError(`schemas: weights column "${field.name}" of kind ${field.kind} is not stored`);
    return { name: field.name, type, nullable: field.nullable };
  });
}

/** The Glue columns of table `weights`: stored columns only, with a comment from the metadata. */
export function weightsGlueColumns(): GlueColumn[] {
  return glueColumnsOf(
    WEIGHT_FIELDS,
    Object.fromEntries(weightsParquetColumns().map((column) => [column.name, column.type])),
  );
}

/** The Glue partition keys of table `weights`, in path order. */
export function weightsPartitionKeys(): { name: string; type: GlueType }[] {
  return partitionKeysOf(WEIGHT_FIELDS);
}
