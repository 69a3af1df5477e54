// Sector-wide estimates (DESIGN.md "Sector-wide estimates"): the population frame a wave is calibrated to and
// the `weights` table that calibration writes. Like the canonical record, the table's columns are one zod
// schema with metadata in a registry, and its Glue columns are derived from it (derive.ts).
import { z } from 'zod';
import type { FieldMeta } from './canonical.ts';

/** Size bands by paid employees (headcount), as business registers and the ONS band them. */
export const SIZE_BANDS = ['0', '1-9', '10-49', '50-249', '250+'] as const;
/** One size band. */
export type SizeBand = (typeof SIZE_BANDS)[number];

/** The size band of a headcount. */
export function sizeBand(employees: number): SizeBand {
  if (employees < 1) return '0';
  if (employees < 10) return '1-9';
  if (employees < 50) return '10-49';
  if (employees < 250) return '50-249';
  return '250+';
}

/** The columns of a frame CSV, in order: one row per calibration cell. */
export const FRAME_COLUMNS = ['region', 'legal_form', 'size_band', 'organisations'] as const;

/** One calibration cell of a frame: how many organisations of the population fall in it. */
export interface FrameCell {
  readonly region: string;
  readonly legal_form: string;
  readonly size_band: SizeBand;
  readonly organisations: number;
}

/** The metadata registry of the weights table's columns (separate from the canonical record's). */
export const weightsFieldMeta = z.registry<FieldMeta>();

/**
 * One row of the `weights` table: a response's weight in one replicate. Replicate 0 is the calibrated
 * weight itself; replicates 1..G are the delete-a-group jackknife (JK1) replicates, each raked again.
 * `ingested_at` ties the row to the ingest it was computed from: the weighted queries join on it as well as
 * on response_id, so weights of a wave that was ingested again never meet the new rows.
 */
export const WeightRowSchema = z.strictObject({
  response_id: z.string().min(1).register(weightsFieldMeta, {
    kind: 'string',
    pii: true,
    description: 'the response this weight belongs to (responses.response_id)',
  }),
  ingested_at: z.int().register(weightsFieldMeta, {
    kind: 'timestamp',
    pii: false,
    description: 'the ingested_at of the response rows the weights were computed from, UTC',
  }),
  replicate: z.int32().min(0).register(weightsFieldMeta, {
    kind: 'int',
    pii: false,
    description: '0 for the calibrated weight; 1..G for the jackknife replicate that leaves out group G',
  }),
  weight: z.number().min(0).register(weightsFieldMeta, {
    kind: 'double',
    unit: 'organisations',
    pii: false,
    description: 'how many organisations of the population the response stands for, in this replicate',
  }),
  survey: z.string().min(1).register(weightsFieldMeta, {
    kind: 'string',
    pii: false,
    partition: true,
    description: 'the survey id (partition)',
  }),
  wave: z.int32().min(1800).max(2200).register(weightsFieldMeta, {
    kind: 'int',
    unit: 'year',
    pii: false,
    partition: true,
    description: 'the wave, a year (partition)',
  }),
});

/** One row of the weights table in memory. */
export type WeightRow = z.infer<typeof WeightRowSchema>;
