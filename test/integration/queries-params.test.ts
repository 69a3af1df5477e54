// Bad parameters are refused before the engine sees anything: each a one-line QueryError, nothing run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { ParamValue, QueryEngine, QueryResult, ResultColumn } from '../../core/engine/query-engine.ts';
import { QueryError, runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { record, writeLake } from './queries-lake.ts';

/** A real DuckDB engine that also records every statement it is asked to run. */
class RecordingEngine implements QueryEngine {
  readonly statements: string[] = [];
  constructor(readonly inner: DuckDbEngine) {}
  listWaves() {
    return this.inner.listWaves();
  }
  run(sql: string, params: readonly ParamValue[], columns: readonly ResultColumn[]): Promise<QueryResult> {
    this.statements.push(sql);
    return this.inner.run(sql, params, columns);
  }
  close() {
    return this.inner.close();
  }
}

let engine: RecordingEngine;
beforeAll(async () => {
  const root = await writeLake([record({ org_id: 'a' }), record({ org_id: 'b', wave: 2021 })]);
  engine = new RecordingEngine(await DuckDbEngine.open(new LocalStorage(root)));
});
afterAll(() => engine.close());

describe('runSavedQuery with bad parameters', () => {
  it.each([
    ['an unknown query', 'nope', { survey: 'uk-se', wave: '2023' }, /unknown saved query "nope"/],
    ['a missing parameter', 'spinouts_by_sector', { survey: 'uk-se' }, /needs parameter wave/],
    ['an extra parameter', 'spinouts_by_sector', { survey: 'uk-se', wave: '2023', x: '1' }, /no parameter "x"/],
    ['a wave that is not a year', 'spinouts_by_sector', { survey: 'uk-se', wave: 'abc' }, /must be a year/],
    [
      'SQL in a wave',
      'spinouts_by_sector',
      { survey: 'uk-se', wave: '2023; drop table responses' },
      /must be a year like 2023, got "2023; drop table responses"/,
    ],
    ['a survey id with quotes', 'spinouts_by_sector', { survey: "uk-se'--", wave: '2023' }, /must be a survey id/],
    ['an unknown survey', 'wave_summary', { survey: 'de-sw' }, /must be a survey id, one of uk-se, fr-ess/],
    ['a wave never ingested', 'sector_profile', { survey: 'uk-se', wave: '2019' }, /waves in the lake: 2021, 2023/],
    [
      'a panel in the wrong order',
      'panel_growth',
      { survey: 'uk-se', from_wave: '2023', to_wave: '2021' },
      /must be an earlier wave/,
    ],
  ])('refuses %s with one line and runs nothing', async (_what, name, params, message) => {
    const before = engine.statements.length;
    const attempt = runSavedQuery(engine, name, params);
    await expect(attempt).rejects.toThrow(QueryError);
    await expect(attempt).rejects.toThrow(message);
    await attempt.catch((error: Error) => expect(error.message).not.toContain('\n'));
    expect(engine.statements.length).toBe(before);
  });

  it('runs the same query once its parameters are right, and the lake is unchanged', async () => {
    const result = await runSavedQuery(engine, 'wave_summary', { survey: 'uk-se' });
    expect(result.rows.map((row) => row.wave)).toEqual([2021, 2023]);
    expect(engine.statements.length).toBe(1);
  });
});
