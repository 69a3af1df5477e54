// The weighted saved queries (SQL over the weights table, on DuckDB) against the in-process estimator the
// coverage simulation uses (core/weight/estimate.ts): same rows, same calibration, same numbers. This is what
// lets the simulation, run on arrays for speed, speak for the queries.
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { CellValue } from '../../core/engine/query-engine.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import {
  allocatedTotals,
  calibrate,
  type Estimate,
  parseFrame,
  shares,
  totals,
  weightOf,
} from '../../core/weight/index.ts';
import { getSurvey, PARENT_BODIES, SECTORS } from '../../schemas/index.ts';
import { weightedLake } from '../helpers/weighted-lake.ts';

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
}

const COLUMNS = [
  { name: 'response_id', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'legal_form', type: 'string' },
  { name: 'employees', type: 'int' },
  { name: 'sector', type: 'string' },
  { name: 'is_spinout', type: 'boolean' },
  { name: 'parent_body', type: 'string' },
  { name: 'turnover', type: 'double' },
  { name: 'turnover_prev', type: 'double' },
] as const;

describe.each([
  ['uk-se', 2023, 11],
  ['fr-ess', 2023, 12],
  ['uk-se', 2019, 13],
] as const)('the weighted queries of %s %i (seed %i)', (survey, wave, seed) => {
  it('equal the in-process estimates, and the weights file equals the in-process weights', async () => {
    const lake = await weightedLake({ survey, wave, rows: 1500, seed });
    const definition = getSurvey(survey);
    const engine = await DuckDbEngine.open(lake.storage);
    try {
      const read = await engine.run(
        `select ${COLUMNS.map((c) => c.name).join(', ')} from responses where survey = ? and wave = ?`,
        [survey, wave],
        COLUMNS,
      );
      const input = read.rows.map((row) => ({
        responseId: row.response_id as string,
        region: row.region as string | null,
        legalForm: row.legal_form as string,
        employees: row.employees as number | null,
      }));
      const weights = calibrate(definition, input, parseFrame(lake.frameText, definition));
      const rows = Array.from(weights.rows, (i) => read.rows[i]!);
      const n = rows.length;

      // The file: every weighted row in every replicate, as the compact weights say.
      const file = await engine.run(
        'select response_id, replicate, weight from weights where survey = ? and wave = ?',
        [survey, wave],
        [
          { name: 'response_id', type: 'string' },
          { name: 'replicate', type: 'int' },
          { name: 'weight', type: 'double' },
        ],
      );
      const position = new Map(weights.responseIds.map((id, i) => [id, i]));
      expect(file.rows).toHaveLength(n * weights.cellWeights.length);
      for (const row of file.rows) {
        const i = position.get(row.response_id as string)!;
        expect(row.weight).toBe(weightOf(weights, row.replicate as number, i));
      }

      const sectors = SECTORS.map((entry) => entry.code);
      const parents = PARENT_BODIES.map((entry) => entry.code);
      const regions = definition.regions.map((entry) => entry.code);
      const domain = (codes: readonly string[], key: (row: Record<string, CellValue>) => CellValue | undefined) =>
        Int32Array.from(rows, (row) => codes.indexOf(String(key(row))));
      const sector = domain(sectors, (row) => row.sector);
      const ones = new Float64Array(n).fill(1);
      const spin = Float64Array.from(rows, (row) => (row.is_spinout ? 1 : 0));
      const known = Float64Array.from(rows, (row) =>
        row.turnover !== null && (row.turnover_prev as number | null) !== null && (row.turnover_prev as number) > 0
          ? 1
          : 0,
      );
      const grew = Float64Array.from(rows, (row, i) =>
        known[i] === 1 && (row.turnover as number) > (row.turnover_prev as number) ? 1 : 0,
      );
      const parent = domain(parents, (row) => (row.is_spinout ? row.parent_body : null));
      const region = domain(regions, (row) => (row.is_spinout ? row.region : null));

      const expected: Record<string, Map<string, Record<string, Estimate>>> = {
        sector_estimates: new Map(),
        spinout_estimates: new Map(),
        growth_estimates: new Map(),
      };
      const put = (query: string, codes: readonly string[], name: string, estimates: readonly Estimate[]) => {
        codes.forEach((code, d) => {
          const row = expected[query]!.get(code) ?? {};
          row[name] = estimates[d]!;
          expected[query]!.set(code, row);
        });
      };
      put('sector_estimates', sectors, 'organisations', totals(weights, ones, sector, sectors.length));
      put('sector_estimates', sectors, 'spinouts', totals(weights, spin, sector, sectors.length));
      put('spinout_estimates', parents, 'spinouts', allocatedTotals(weights, spin, parent, parents.length));
      put('spinout_estimates', regions, 'spinouts', totals(weights, spin, region, regions.length));
      put('growth_estimates', sectors, 'share_grew', shares(weights, grew, known, sector, sectors.length));

      let compared = 0;
      for (const query of Object.keys(expected)) {
        const result = await runSavedQuery(engine, query, { survey, wave: String(wave) });
        expect(result.rows.length).toBeGreaterThan(3);
        for (const row of result.rows) {
          const key = String(query === 'spinout_estimates' ? (row.parent_body ?? row.region) : row.sector);
          for (const [name, estimate] of Object.entries(expected[query]!.get(key)!)) {
            const got = [row[`${name}_estimate`], row[`${name}_se`], row[`${name}_ci_low`], row[`${name}_ci_high`]];
            const want = [estimate.estimate, estimate.se, estimate.ciLow, estimate.ciHigh];
            got.forEach((value, j) => {
              if (!close(value as number | null, want[j]!)) {
                expect.fail(`${query} ${key} ${name} [${j}]: SQL ${value}, in process ${want[j]}`);
              }
            });
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(40);
    } finally {
      await engine.close();
    }
  });
});
