// A lake with a generated wave ingested through the real ingest and weighted with survey weight's core, to
// the frame of the population the generator sampled: what the weighted saved queries read.
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { copyToParquet } from '../../core/engine/duckdb-parquet.ts';
import { generateWave, type Truth } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { DEMO_ORG_KEY } from '../../core/ingest/org-id.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { type CalibrateOptions, frameCsv, parseFrame, type WeightReport, weightWave } from '../../core/weight/index.ts';
import { getSurvey } from '../../schemas/index.ts';

/** One weighted wave in a temporary lake. */
export interface WeightedLake {
  readonly dir: string;
  readonly storage: LocalStorage;
  readonly truth: Truth;
  /** The frame CSV's path and text. */
  readonly framePath: string;
  readonly frameText: string;
  readonly report: WeightReport;
}

const made: string[] = [];
// A hook at a helper's top level joins the suite of the test file that imports it (each file runs isolated).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Generates a wave (with its population), ingests it and weights it to the generator's frame. */
export async function weightedLake(
  options: { survey: string; wave: number; rows: number; seed: number } & CalibrateOptions,
): Promise<WeightedLake> {
  const { survey, wave, rows, seed } = options;
  const dir = mkdtempSync(join(tmpdir(), 'weighted-lake-'));
  made.push(dir);
  const file = join(dir, `${survey}-${wave}.csv`);
  const truth = await generateWave({ survey, wave, rows, seed, population: true }, file);
  const storage = new LocalStorage(join(dir, 'lake'));
  await ingestWave({
    storage,
    input: createReadStream(file),
    survey,
    wave,
    sourceFile: `${survey}-${wave}.csv`,
    orgKey: DEMO_ORG_KEY,
  });
  const frameText = frameCsv(truth.population!.frame);
  const framePath = join(dir, 'frame.csv');
  writeFileSync(framePath, frameText);
  const engine = await DuckDbEngine.open(storage);
  try {
    const report = await weightWave({
      ...options,
      engine,
      storage,
      survey: getSurvey(survey),
      wave,
      frame: parseFrame(frameText, getSurvey(survey)),
      frameName: 'frame.csv',
      frameBytes: frameText,
      writeParquet: copyToParquet,
    });
    return { dir, storage, truth, framePath, frameText, report };
  } finally {
    await engine.close();
  }
}
