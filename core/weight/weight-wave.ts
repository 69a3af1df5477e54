// `survey weight`: reads a wave's valid rows through a QueryEngine, calibrates them to a frame (calibrate.ts)
// and writes the weights table's file of the wave, weights/survey=<id>/wave=<year>/weights.parquet (one
// object, replaced whole, so a reader sees the old weights or the new), with a report beside it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SurveyDefinition } from '../../schemas/index.ts';
import type { copyToParquet } from '../engine/duckdb-parquet.ts';
import type { QueryEngine } from '../engine/query-engine.ts';
import type { Storage } from '../storage/storage.ts';
import { type CalibrateOptions, type CalibrationReport, calibrate, type WaveWeights } from './calibrate.ts';
import { type Frame, WeightError } from './frame.ts';

/** The prefix of one wave's weights. */
export function weightsPrefix(survey: string, wave: number): string {
  return `weights/survey=${survey}/wave=${wave}/`;
}

/** The key of one wave's weights file (the weights table reads it). */
export function weightsKey(survey: string, wave: number): string {
  return `${weightsPrefix(survey, wave)}weights.parquet`;
}

/** The key of the report beside it (a leading "_": Athena skips it when it reads the table). */
export function weightsReportKey(survey: string, wave: number): string {
  return `${weightsPrefix(survey, wave)}_weights.json`;
}

/** What `survey weight` needs. */
export interface WeightWaveOptions extends CalibrateOptions {
  /** Reads the curated wave (DuckDB over a local lake, or Athena). */
  readonly engine: QueryEngine;
  /** Where the weights are written. */
  readonly storage: Storage;
  readonly survey: SurveyDefinition;
  readonly wave: number;
  readonly frame: Frame;
  /** The frame's file name and bytes, recorded in the report. */
  readonly frameName: string;
  readonly frameBytes: Uint8Array | string;
  /** The Parquet writer (DuckDB's COPY: core/engine/duckdb-parquet.ts). */
  readonly writeParquet: typeof copyToParquet;
  /** When the weights are made. @default now */
  readonly now?: Date;
}

/** The report of one weighting, written beside the weights as _weights.json. */
export interface WeightReport extends CalibrationReport {
  readonly survey: string;
  readonly wave: number;
  readonly frame: { readonly file: string; readonly sha256: string; readonly organisations: number };
  /** The ingest the weights belong to (responses.ingested_at of the rows read). */
  readonly ingestedAt: readonly string[];
  readonly weightedAt: string;
  /** The weights file's key and rows (weighted rows × (replicates + 1)). */
  readonly key: string;
  readonly parquetRows: number;
}

/** The rows weighting reads: portable SQL, run by either engine. */
const ROWS_SQL = `select response_id, cast(ingested_at as varchar) as ingested_at, region, legal_form, employees
from responses
where survey = ? and wave = ?`;

const ROWS_COLUMNS = [
  { name: 'response_id', type: 'string' },
  { name: 'ingested_at', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'legal_form', type: 'string' },
  { name: 'employees', type: 'int' },
] as const;

/** The long table of the weights file from the compact weights: a row's weight is 0 in its own group's replicate. */
const WEIGHTS_SELECT = `with rows_read as (
  -- the timestamp parsed once per row, not once per row and replicate
  select response_id, cast(ingested_at as timestamp_ms) as ingested_at, cell, grp from weighted_rows
)
select
  r.response_id,
  r.ingested_at,
  c.replicate,
  case when r.grp = c.replicate then cast(0 as double) else c.weight end as weight
from rows_read as r
inner join cell_weights as c on c.cell = r.cell`;

/** Writes the Parquet of compact weights to a local file (rows × replicates, through DuckDB's writer). */
export async function writeWeightsFile(
  weights: WaveWeights,
  ingestedAt: readonly string[],
  path: string,
  writeParquet: typeof copyToParquet,
): Promise<number> {
  const replicates = weights.cellWeights.length;
  const cells = weights.cellWeights[0]!.length;
  const replicate = new Int32Array(replicates * cells);
  const cell = new Int32Array(replicates * cells);
  const weight = new Float64Array(replicates * cells);
  for (let r = 0; r < replicates; r++) {
    for (let c = 0; c < cells; c++) {
      replicate[r * cells + c] = r;
      cell[r * cells + c] = c;
      weight[r * cells + c] = weights.cellWeights[r]![c]!;
    }
  }
  await writeParquet(
    {
      weighted_rows: [
        { name: 'response_id', type: 'varchar', values: weights.responseIds },
        { name: 'ingested_at', type: 'varchar', values: ingestedAt },
        { name: 'cell', type: 'integer', values: weights.cell },
        { name: 'grp', type: 'integer', values: weights.group },
      ],
      cell_weights: [
        { name: 'replicate', type: 'integer', values: replicate },
        { name: 'cell', type: 'integer', values: cell },
        { name: 'weight', type: 'double', values: weight },
      ],
    },
    WEIGHTS_SELECT,
    path,
  );
  return weights.responseIds.length * replicates;
}

/**
 * Weights one wave: reads its valid rows, rakes them to the frame with JK1 replicates, and writes
 * weights/survey=<id>/wave=<year>/weights.parquet and the report beside it. Throws a one-line WeightError
 * when the wave has no rows or the frame cannot be reached; writes nothing then.
 */
export async function weightWave(options: WeightWaveOptions): Promise<WeightReport> {
  const { engine, storage, survey, wave, frame } = options;
  const result = await engine.run(ROWS_SQL, [survey.id, wave], ROWS_COLUMNS);
  if (result.rows.length === 0) {
    throw new WeightError(`weight: survey ${survey.id} has no ingested rows in wave ${wave}; ingest the wave first`);
  }
  const rows = result.rows.map((row) => ({
    responseId: String(row.response_id),
    region: (row.region as string | null) ?? null,
    legalForm: String(row.legal_form),
    employees: (row.employees as number | null) ?? null,
  }));
  const weights = calibrate(survey, rows, frame, options);
  const ingestedAt = Array.from(weights.rows, (i) => String(result.rows[i]!.ingested_at));
  const temp = await mkdtemp(join(tmpdir(), 'survey-weight-'));
  try {
    const file = join(temp, 'weights.parquet');
    const parquetRows = await writeWeightsFile(weights, ingestedAt, file, options.writeParquet);
    const key = weightsKey(survey.id, wave);
    await storage.put(key, createReadStream(file), { contentType: 'application/vnd.apache.parquet' });
    const report: WeightReport = {
      survey: survey.id,
      wave,
      frame: {
        file: options.frameName,
        sha256: createHash('sha256').update(options.frameBytes).digest('hex'),
        organisations: frame.organisations,
      },
      ingestedAt: [...new Set(ingestedAt)].sort(),
      weightedAt: (options.now ?? new Date()).toISOString(),
      key,
      parquetRows,
      ...weights.report,
    };
    await storage.put(weightsReportKey(survey.id, wave), `${JSON.stringify(report, null, 2)}\n`, {
      contentType: 'application/json',
    });
    return report;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
