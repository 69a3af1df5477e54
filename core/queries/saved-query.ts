import { z } from 'zod';

/**
 * The metadata that sits beside every saved query (queries/<name>.meta.json), validated at load.
 * Besides what an analyst reads (title, grain, parameters, columns), each column says how its cells are
 * built from the microdata (`disclosure`), so that disclosure control can recompute, for any cell, its
 * contributors, its total and its largest contributions without parsing the SQL.
 */

/** A canonical field of the `responses` table (CODEBOOK.md), snake_case. */
const FieldSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case field name');

/** A row condition over canonical fields; the conditions of a list all hold (AND). */
export const ConditionSchema = z.discriminatedUnion('op', [
  z.object({ field: FieldSchema, op: z.literal('is-true') }),
  z.object({ field: FieldSchema, op: z.literal('is-false') }),
  z.object({ field: FieldSchema, op: z.literal('is-not-null') }),
  z.object({ field: FieldSchema, op: z.literal('eq'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.object({ field: FieldSchema, op: z.literal('gt'), value: z.number() }),
]);
/** A row condition over canonical fields. */
export type Condition = z.infer<typeof ConditionSchema>;

/**
 * The per-row value a magnitude is computed from: a canonical field, the growth `numerator / denominator - 1`
 * within one row (rows where both are known and the denominator > 0), or the growth of a field between the
 * two waves of a panel (`to / from - 1`, organisations where both are known and `from` > 0).
 */
export const ValueSchema = z.union([
  FieldSchema,
  z.object({ growth: z.object({ numerator: FieldSchema, denominator: FieldSchema }).strict() }).strict(),
  z.object({ panelGrowth: FieldSchema }).strict(),
]);
/** The per-row value a magnitude is computed from. */
export type Value = z.infer<typeof ValueSchema>;

/** A column whose name is another column of the same query. */
const ColumnRefSchema = z.string().regex(/^[a-z][a-z0-9_]*$/);

/**
 * How a column's cells come from the microdata. Contributors of a cell are the rows of the cell's group
 * (the query's `population`, the group columns' values) that also meet `where` and have a known value:
 * - group: the column is a grouping key, the value of canonical `field` (in a panel, as in `to_wave`);
 * - count: the number of organisations (rows) meeting `where`; the cell value is its own contributor count;
 * - sum: the total of `of` over contributors; each contributor's value is its contribution (dominance rule);
 * - median: the exact median of `of` over contributors;
 * - share: the fraction, over contributors whose `of` answer is known, whose answer meets `numerator`;
 * - cumulative: a running total of the column `of` in the query's row order (a derived column: differences
 *   of consecutive cells give back `of`, so it must be suppressed together with it);
 * - estimate: a sector-wide estimate from calibration weights (table `weights`), or its standard error or an
 *   end of its 95% interval (`part`). `statistic` total: a weighted count of the contributors, the rows meeting
 *   `where`; share: a weighted share, over contributors whose `of` is known, of those meeting `numerator`
 *   (for a growth with no numerator: those whose numerator field is above the denominator field). Disclosure
 *   control applies to the unweighted contributors, which `countColumn` publishes.
 * `countColumn` names the column that counts the organisations behind the cell: a share or median whose
 * count is suppressed is suppressed too.
 */
export const DisclosureSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('group'), field: FieldSchema }).strict(),
  z.object({ role: z.literal('count'), where: z.array(ConditionSchema).optional() }).strict(),
  z
    .object({
      role: z.literal('sum'),
      of: FieldSchema,
      where: z.array(ConditionSchema).optional(),
      countColumn: ColumnRefSchema,
    })
    .strict(),
  z
    .object({
      role: z.literal('median'),
      of: ValueSchema,
      where: z.array(ConditionSchema).optional(),
      countColumn: ColumnRefSchema,
    })
    .strict(),
  z
    .object({
      role: z.literal('share'),
      of: ValueSchema,
      numerator: z.array(ConditionSchema).optional(),
      where: z.array(ConditionSchema).optional(),
      countColumn: ColumnRefSchema,
    })
    .strict(),
  z.object({ role: z.literal('cumulative'), of: ColumnRefSchema }).strict(),
  z
    .object({
      role: z.literal('estimate'),
      statistic: z.enum(['total', 'share']),
      part: z.enum(['estimate', 'se', 'ci_low', 'ci_high']),
      of: ValueSchema.optional(),
      numerator: z.array(ConditionSchema).optional(),
      where: z.array(ConditionSchema).optional(),
      countColumn: ColumnRefSchema,
    })
    .strict(),
]);
/** How a column's cells come from the microdata. */
export type Disclosure = z.infer<typeof DisclosureSchema>;

/** The type of a saved-query parameter: a survey id, a wave (a year), a whole number or free text. */
export const ParamTypeSchema = z.enum(['survey', 'wave', 'int', 'string']);
/** The type of a saved-query parameter. */
export type ParamType = z.infer<typeof ParamTypeSchema>;

/** One typed parameter of a saved query. */
export const ParameterSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    type: ParamTypeSchema,
    description: z.string().min(1),
  })
  .strict();
/** One typed parameter of a saved query. */
export type Parameter = z.infer<typeof ParameterSchema>;

/** One output column of a saved query, in order. */
export const ColumnSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    /**
     * The column's heading in plain words for people (XLSX, bulletin), without its unit: the unit follows from
     * `disclosure` and the canonical field's metadata. Without it, the name is shown with spaces.
     */
    label: z.string().min(1).max(60).optional(),
    type: z.enum(['string', 'int', 'double', 'boolean']),
    description: z.string().min(1),
    /** How the value is shown in a table for people: a fraction in 0..1 shown as a percentage. */
    format: z.enum(['percent', 'year']).optional(),
    disclosure: DisclosureSchema,
  })
  .strict();
/** One output column of a saved query. */
export type Column = z.infer<typeof ColumnSchema>;

/** The metadata file of one saved query, as written in queries/<name>.meta.json. */
export const SavedQueryMetaSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    title: z.string().min(1),
    description: z.string().min(1),
    grain: z.string().regex(/^one row per /, 'starts with "one row per "'),
    parameters: z.array(ParameterSchema),
    /** The parameter bound to each `?` of the SQL, in order; a parameter used twice appears twice. */
    bind: z.array(z.string()),
    /** The rows every cell draws from, beyond the survey and wave parameters. */
    population: z.array(ConditionSchema),
    /** For queries over two waves: organisations matched on `key` between the waves `from` and `to`. */
    panel: z.object({ key: FieldSchema, from: z.string(), to: z.string() }).strict().optional(),
    /**
     * Rows are the margins of the group columns, one group column at a time: a row sets one group column and
     * leaves the others null (standing for all their values), so each margin's rows add up on their own.
     */
    margins: z.boolean().optional(),
    /** The query reads the calibration weights (table `weights`, written by survey weight) besides responses. */
    weighted: z.boolean().optional(),
    columns: z.array(ColumnSchema).min(1),
  })
  .strict();
/** The metadata file of one saved query. */
export type SavedQueryMeta = z.infer<typeof SavedQueryMetaSchema>;

/** A loaded saved query: its metadata and its SQL text. */
export interface SavedQuery extends SavedQueryMeta {
  /** The SQL text, run as is on DuckDB and Athena with the table `responses` resolved by the engine. */
  readonly sql: string;
  /** The path of the .sql file, for messages. */
  readonly sqlPath: string;
}
