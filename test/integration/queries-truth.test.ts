// Every saved query on DuckDB against the independent TypeScript computation (test/helpers/truth-stats.ts),
// on seeded messy record sets: two surveys, several waves, a panel, nulls, ties and zero turnovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { truthOf } from '../helpers/truth-stats.ts';
import { type FixtureRecord, queryCases, randomRecords, rowsDiffer, writeLake } from './queries-lake.ts';

const SURVEY_WAVES: Record<string, number[]> = { 'uk-se': [2019, 2021, 2023], 'fr-ess': [2022, 2023] };

describe.each([1, 2, 3, 42])('saved queries on DuckDB against the TypeScript truth, seed %i', (seed) => {
  let records: FixtureRecord[];
  let engine: DuckDbEngine;

  beforeAll(async () => {
    records = Object.entries(SURVEY_WAVES).flatMap(([survey, waves], i) =>
      randomRecords(seed * 10 + i, survey, waves, seed === 42 ? 1200 : 150),
    );
    engine = await DuckDbEngine.open(new LocalStorage(await writeLake(records)));
  });
  afterAll(() => engine.close());

  it('agrees on every query, survey, wave and panel', async () => {
    const all = queryCases(SURVEY_WAVES);
    expect(all.length).toBeGreaterThan(30);
    let nonEmpty = 0;
    for (const { name, params } of all) {
      const result = await runSavedQuery(engine, name, params);
      const difference = rowsDiffer(result.rows, truthOf(name, records, params));
      expect(difference, `${name} ${JSON.stringify(params)}`).toBeUndefined();
      if (result.rows.length > 0) nonEmpty += 1;
    }
    // A comparison of empty results proves nothing: the fixture must give every case some rows.
    expect(nonEmpty).toBe(all.length);
  });
});
