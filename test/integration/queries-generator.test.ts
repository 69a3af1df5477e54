// The saved queries against the generator's truth (core/generate): realistic waves of both surveys with a
// panel, checked two ways — the truth records written straight into a lake (the SQL against the independent
// TypeScript statistics), and the generated CSV files through the real ingest (the whole path end to end).
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { generateWave, type TruthRecord } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { DEMO_ORG_KEY } from '../../core/ingest/org-id.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { truthOf } from '../helpers/truth-stats.ts';
import { queryCases, rowsDiffer, writeLake } from './queries-lake.ts';

const WAVES: readonly [string, number][] = [
  ['uk-se', 2019],
  ['uk-se', 2021],
  ['uk-se', 2023],
  ['fr-ess', 2023],
];

/** The waves of each survey, from WAVES. */
function surveyWaves(): Record<string, number[]> {
  const waves: Record<string, number[]> = {};
  for (const [survey, wave] of WAVES) waves[survey] = [...(waves[survey] ?? []), wave];
  return waves;
}

async function expectAllAgree(engine: DuckDbEngine, records: readonly TruthRecord[]): Promise<void> {
  let compared = 0;
  for (const { name, params } of queryCases(surveyWaves())) {
    const result = await runSavedQuery(engine, name, params);
    const expected = truthOf(name, records, params);
    expect(rowsDiffer(result.rows, expected), `${name} ${JSON.stringify(params)}`).toBeUndefined();
    compared += expected.length;
  }
  expect(compared).toBeGreaterThan(100);
}

describe.each([5, 11])('saved queries against the generator truth, seed %i', (seed) => {
  const records: TruthRecord[] = [];
  let truthEngine: DuckDbEngine;
  let ingestedEngine: DuckDbEngine;
  let work: string | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'queries-generator-'));
    const ingested = new LocalStorage(join(work, 'lake'));
    for (const [survey, wave] of WAVES) {
      const file = join(work, `${survey}-${wave}.csv`);
      const truth = await generateWave({ survey, wave, rows: 1200, seed }, file);
      records.push(...truth.records);
      await ingestWave({
        storage: ingested,
        input: createReadStream(file),
        survey,
        wave,
        sourceFile: `${survey}-${wave}.csv`,
        orgKey: DEMO_ORG_KEY,
      });
    }
    truthEngine = await DuckDbEngine.open(new LocalStorage(await writeLake(records)));
    ingestedEngine = await DuckDbEngine.open(ingested);
  });
  afterAll(async () => {
    await truthEngine?.close();
    await ingestedEngine?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('has a panel: organisations that answered more than one wave', () => {
    const waves = new Map<string, number>();
    for (const r of records) if (r.survey === 'uk-se') waves.set(r.org_id, (waves.get(r.org_id) ?? 0) + 1);
    expect([...waves.values()].filter((count) => count > 1).length).toBeGreaterThan(100);
  });

  it('agree with the TypeScript statistics over the truth records, every query, wave and panel', async () => {
    await expectAllAgree(truthEngine, records);
  });

  it('agree with the TypeScript statistics after the real ingest of the generated files', async () => {
    await expectAllAgree(ingestedEngine, records);
  });
});
