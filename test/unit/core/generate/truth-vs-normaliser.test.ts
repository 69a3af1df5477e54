// The truth must be exactly what a correct pipeline produces. Here the ingest's own reader, header matcher,
// normaliser and duplicate rule (core/ingest, the rule run by DuckDB) read generated files, and what they keep and reject is compared
// with the truth record for record, field for field. (The end-to-end test through `survey ingest` and the
// lake lives with the pipeline's integration tests.)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TruthRecord } from '../../../../core/generate/index.ts';
import { ValidRows } from '../../../../core/ingest/curated.ts';
import { matchHeaders } from '../../../../core/ingest/headers.ts';
import { createNormaliser } from '../../../../core/ingest/normalise.ts';
import { DEMO_ORG_KEY } from '../../../../core/ingest/org-id.ts';
import { openCsv } from '../../../../core/ingest/read-csv.ts';
import { getSurvey } from '../../../../schemas/index.ts';
import { generate } from './helpers.ts';

/** What the ingest's first pass keeps and rejects, without the lake. */
async function readLikeIngest(bytes: Buffer, surveyId: string, wave: number, sourceFile: string, orgKey: string) {
  const survey = getSurvey(surveyId);
  const reader = await openCsv(Readable.from([bytes]));
  const header = matchHeaders(reader.header, survey);
  const normalise = createNormaliser({
    survey,
    wave,
    header,
    headerLength: reader.header.length,
    orgKey,
    sourceFile,
    ingestedAt: 0,
  });
  const dir = await mkdtemp(join(tmpdir(), 'truth-dedupe-'));
  const valid = new ValidRows(dir);
  const spool: { rowNumber: number; record: TruthRecord | null; type?: string; fieldName?: string }[] = [];
  let rows = 0;
  let blank = 0;
  for await (const batch of reader.records()) {
    for (const { rowNumber, cells, text } of batch) {
      rows++;
      if (cells.every((cell) => cell.trim() === '')) {
        blank++;
        continue;
      }
      const { record, errors } = normalise(cells, rowNumber);
      if (record !== null) {
        await valid.add(record, text);
        const { ingested_at: _ingestedAt, ...rest } = record;
        spool.push({ rowNumber, record: rest });
      } else {
        spool.push({ rowNumber, record: null, type: errors[0]?.type, fieldName: errors[0]?.fieldName });
      }
    }
  }
  const source = { ...reader.summary(), encoding: reader.encoding, delimiter: reader.delimiter };
  await valid.close();
  const losers = new Set<number>();
  await valid.writeParquet(join(dir, 'kept.parquet'), async (loser) => {
    losers.add(loser.rowNumber);
  });
  await rm(dir, { recursive: true, force: true });
  const kept: TruthRecord[] = [];
  const rejected: { rowNumber: number; type: string; fieldName?: string }[] = [];
  spool.forEach((line) => {
    if (line.record !== null && !losers.has(line.rowNumber)) kept.push(line.record);
    else if (line.record !== null)
      rejected.push({ rowNumber: line.rowNumber, type: 'duplicate-row', fieldName: 'org_id' });
    else rejected.push({ rowNumber: line.rowNumber, type: line.type!, fieldName: line.fieldName });
  });
  return { rows, blank, kept, rejected, source };
}

describe('the truth against the ingest reader and normaliser', () => {
  it.each([
    { survey: 'uk-se', wave: 2023, rows: 2500, seed: 1 },
    { survey: 'uk-se', wave: 2021, rows: 1500, seed: 4 },
    { survey: 'fr-ess', wave: 2023, rows: 2500, seed: 1 },
    { survey: 'fr-ess', wave: 2014, rows: 800, seed: 9 },
    // Four consecutive seeds of one wave: quoted and bare layouts, with and without a BOM, and (the turn comes
    // round with the seed) one file without a respondent-id column, whose response_id is a digest of the row.
    ...[2, 3, 4, 5].flatMap((seed) => [
      { survey: 'uk-se', wave: 2023, rows: 500, seed },
      { survey: 'fr-ess', wave: 2021, rows: 500, seed },
    ]),
  ])('holds exactly what the ingest keeps and rejects for $survey $wave seed $seed', async (options) => {
    // Seed 1 runs under the default key (what `survey generate` and `survey ingest` use without a key).
    const orgKey = options.seed === 1 ? undefined : 'a-test-key';
    const { bytes, truth } = await generate({ ...options, orgKey, sourceFile: 'wave.csv' });
    const read = await readLikeIngest(bytes, options.survey, options.wave, 'wave.csv', orgKey ?? DEMO_ORG_KEY);
    expect(read.source.encoding).toBe(truth.encoding);
    expect(read.source.delimiter).toBe(truth.delimiter);
    expect(read.rows).toBe(truth.expected.rows);
    expect(read.blank).toBe(truth.expected.blank);
    expect(read.rejected).toEqual(truth.expected.rejectedRows);
    expect(read.kept).toHaveLength(truth.records.length);
    for (let i = 0; i < read.kept.length; i++) expect(read.kept[i]).toEqual(truth.records[i]);
  });
});
