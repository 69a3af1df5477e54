// survey weight and the weighted saved queries against R's survey package (Lumley), the field's reference:
// on generated, ingested waves, R re-derives the JK1 design from the rows' jackknife groups, rakes it with
// rake() (no bound reached) or calibrate(calfun = "raking", bounds) and estimates with svytotal, svymean and
// withReplicates. survey's Newton steps for bounded raking often fail to converge (its raking derivative
// tests the linear predictor against bounds - 1), so where tight bounds hold many weights R verifies instead
// that the weights are the unique bounded solution, then estimates under svrepdesign with them. Every weight of every replicate, and every estimate and standard error of the three
// queries, must agree to 1e-6 relative. (40 jackknife groups instead of the default 100 keep R quick; the
// design is the same for any number.)
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { CellValue } from '../../core/engine/query-engine.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { Z95 } from '../../core/weight/index.ts';
import { type WeightedLake, weightedLake } from '../helpers/weighted-lake.ts';

const run = promisify(execFile);
type Method = 'rake' | 'calibrate' | 'verify';
const SCRIPT = new URL('../helpers/survey-estimates.R', import.meta.url).pathname;

/** Equal to 1e-6 relative (a value R prints as 1e-13 where the SQL has 0 counts as equal). */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
}

function csv(text: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
}

function cell(value: CellValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes the weighted rows (with the jackknife group read back from the weights file) for R, and runs it. */
async function runR(lake: WeightedLake, method: Method, bounds: readonly [number, number]) {
  const engine = await DuckDbEngine.open(lake.storage);
  try {
    const { survey, wave } = lake.report;
    // A row's group is the one replicate in which its weight is 0.
    const rows = await engine.run(
      `with groups as (
         select response_id, ingested_at, min(case when weight = 0 then replicate end) as grp,
           count(case when weight = 0 then 1 end) as zeros
         from weights where survey = ? and wave = ? group by response_id, ingested_at
       )
       select r.response_id, g.grp, g.zeros, r.region, r.legal_form, r.employees, r.sector, r.is_spinout,
         r.parent_body, r.turnover, r.turnover_prev
       from responses r inner join groups g on g.response_id = r.response_id and g.ingested_at = r.ingested_at
       where r.survey = ? and r.wave = ? order by r.response_id`,
      [survey, wave, survey, wave],
      [
        { name: 'response_id', type: 'string' },
        { name: 'grp', type: 'int' },
        { name: 'zeros', type: 'int' },
        { name: 'region', type: 'string' },
        { name: 'legal_form', type: 'string' },
        { name: 'employees', type: 'int' },
        { name: 'sector', type: 'string' },
        { name: 'is_spinout', type: 'boolean' },
        { name: 'parent_body', type: 'string' },
        { name: 'turnover', type: 'double' },
        { name: 'turnover_prev', type: 'double' },
      ],
    );
    expect(rows.rows).toHaveLength(lake.report.weighted);
    expect(rows.rows.every((row) => row.zeros === 1)).toBe(true);
    const columns = Object.keys(rows.rows[0]!).filter((name) => name !== 'zeros');
    const lines = [columns.join(','), ...rows.rows.map((row) => columns.map((c) => cell(row[c] ?? null)).join(','))];
    writeFileSync(join(lake.dir, 'rows.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(lake.dir, 'frame.csv'), lake.frameText);
    const weights = await engine.run(
      'select response_id, replicate, weight from weights where survey = ? and wave = ?',
      [survey, wave],
      [
        { name: 'response_id', type: 'string' },
        { name: 'replicate', type: 'int' },
        { name: 'weight', type: 'double' },
      ],
    );
    const weightLines = weights.rows.map((row) =>
      [row.response_id, row.replicate, row.weight].map((value) => cell(value ?? null)).join(','),
    );
    writeFileSync(join(lake.dir, 'weights.csv'), `response_id,replicate,weight\n${weightLines.join('\n')}\n`);
    await run('Rscript', [SCRIPT, lake.dir, method, String(bounds[0]), String(bounds[1])], {
      timeout: 120_000,
      maxBuffer: 1 << 24,
    });
    const params = { survey, wave: String(wave) };
    const queries: Record<string, Record<string, CellValue>[]> = {};
    for (const name of ['sector_estimates', 'spinout_estimates', 'growth_estimates']) {
      queries[name] = [...(await runSavedQuery(engine, name, params)).rows];
    }
    return {
      ours: weights.rows,
      r: csv(readFileSync(join(lake.dir, 'r-weights.csv'), 'utf8')),
      estimates: csv(readFileSync(join(lake.dir, 'r-estimates.csv'), 'utf8')),
      checks: method === 'verify' ? csv(readFileSync(join(lake.dir, 'r-checks.csv'), 'utf8')) : [],
      queries,
    };
  } finally {
    await engine.close();
  }
}

/** The key of a saved query's row, as the R script names it. */
function keyOf(name: string, row: Record<string, CellValue>): string {
  return String(name === 'spinout_estimates' ? (row.parent_body ?? row.region) : row.sector);
}

async function expectAgreement(lake: WeightedLake, method: Method, bounds: readonly [number, number]) {
  const { ours, r, estimates, queries, checks } = await runR(lake, method, bounds);
  if (method === 'verify') {
    // R's checks that these are the bounded raking weights, in the calibrated weights and every replicate.
    expect(checks).toHaveLength(lake.report.replicates + 1);
    for (const check of checks) {
      const where = `replicate ${check.replicate}`;
      expect(Number(check.margin_error), where).toBeLessThan(1e-8);
      expect(Number(check.out_of_bounds), where).toBe(0);
      expect(Number(check.residual), where).toBeLessThan(1e-6);
      if (check.wrongly_held !== 'NA') expect(Number(check.wrongly_held), where).toBe(0);
    }
    expect(checks.filter((check) => check.wrongly_held !== 'NA').length).toBeGreaterThan(checks.length / 2);
    expect(checks.filter((check) => Number(check.held) > 0).length).toBeGreaterThan(checks.length / 2);
  }
  // Every weight of every replicate.
  const mine = new Map(ours.map((row) => [`${row.response_id}|${row.replicate}`, row.weight as number]));
  expect(r).toHaveLength(mine.size);
  let compared = 0;
  for (const row of r) {
    const weight = mine.get(`${row.response_id}|${row.replicate}`);
    expect(weight, `weight of ${row.response_id} in replicate ${row.replicate}`).toBeDefined();
    if (!close(weight!, Number(row.weight))) {
      expect.fail(`weight of ${row.response_id} in replicate ${row.replicate}: ours ${weight}, R ${row.weight}`);
    }
    compared++;
  }
  expect(compared).toBe(lake.report.weighted * (lake.report.replicates + 1));

  // Every estimate, standard error and interval of the three queries.
  const byQuery = new Map<string, Record<string, string>[]>();
  for (const row of estimates) byQuery.set(row.query!, [...(byQuery.get(row.query!) ?? []), row]);
  for (const [name, rows] of Object.entries(queries)) {
    const expected = byQuery.get(name) ?? [];
    const columns = new Set(expected.map((row) => row.name));
    expect(expected.length).toBe(rows.length * columns.size);
    for (const row of expected) {
      const ours = rows.find((candidate) => keyOf(name, candidate) === row.key);
      const where = `${name} ${row.key} ${row.name}`;
      expect(ours, where).toBeDefined();
      const estimate = ours![`${row.name}_estimate`] as number;
      const se = ours![`${row.name}_se`] as number;
      const max = row.name === 'share_grew' ? 1 : Number.POSITIVE_INFINITY;
      for (const [what, got, want] of [
        ['estimate', estimate, Number(row.estimate)],
        ['se', se, Number(row.se)],
        ['ci_low', ours![`${row.name}_ci_low`] as number, Math.max(0, Number(row.lower))],
        ['ci_high', ours![`${row.name}_ci_high`] as number, Math.min(max, Number(row.upper))],
      ] as const) {
        if (!close(got, want)) expect.fail(`${where} ${what}: SQL ${got}, R ${want}`);
      }
      // R's qnorm(0.975) is the SQL's quantile.
      expect(close(Number(row.upper) - Number(row.estimate), Z95 * Number(row.se))).toBe(true);
    }
  }
}

describe('survey weight and the weighted queries against R survey', () => {
  it('agree with rake() where no bound is set (uk-se)', async () => {
    const bounds = [0, Number.POSITIVE_INFINITY] as const;
    const lake = await weightedLake({ survey: 'uk-se', wave: 2023, rows: 800, seed: 3, bounds, replicates: 40 });
    expect(lake.report.atLowerBound + lake.report.atUpperBound).toBe(0);
    await expectAgreement(lake, 'rake', [0, 1e9]);
  });

  it('agree with calibrate(calfun = "raking", bounds) where a bound binds (uk-se, 0.2-5 times the mean)', async () => {
    const lake = await weightedLake({ survey: 'uk-se', wave: 2023, rows: 2000, seed: 1, replicates: 40 });
    // The bound must bite, or this would be the rake() case again.
    expect(lake.report.atLowerBound + lake.report.atUpperBound).toBeGreaterThan(0);
    expect(lake.report.replicatesAtBound).toBeGreaterThan(0);
    await expectAgreement(lake, 'calibrate', [0.2, 5]);
  });

  it('agree with rake() under the default bounds where none binds (fr-ess: its regions, legal forms, euros)', async () => {
    const lake = await weightedLake({ survey: 'fr-ess', wave: 2023, rows: 800, seed: 2, replicates: 40 });
    // No weight at a bound: the bounded solution is the unbounded one.
    expect(lake.report.atLowerBound + lake.report.atUpperBound + lake.report.replicatesAtBound).toBe(0);
    await expectAgreement(lake, 'rake', [0, 1e9]);
  });

  it('give, where tight bounds hold many weights (0.45-3), the one bounded raking solution R verifies', async () => {
    const bounds = [0.45, 3] as const;
    const lake = await weightedLake({ survey: 'uk-se', wave: 2021, rows: 900, seed: 4, bounds, replicates: 40 });
    expect(lake.report.atLowerBound + lake.report.atUpperBound).toBeGreaterThan(20);
    await expectAgreement(lake, 'verify', bounds);
  });
});
