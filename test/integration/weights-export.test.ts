// The weighted saved queries exported with disclosure control on their unweighted contributors: on weighted
// lakes, every published estimate, standard error and interval stands on at least `threshold` responding
// organisations, counted here from the rows with plain loops, and a hidden count hides the estimates it backs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { CellValue } from '../../core/engine/query-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { weightedLake } from '../helpers/weighted-lake.ts';

const out = mkdtempSync(join(tmpdir(), 'weights-export-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Row = Record<string, CellValue>;

/** The organisations behind each estimate column of a published row, counted from the weighted rows. */
function contributors(query: string, row: Record<string, string>, rows: readonly Row[]): Record<string, Row[]> {
  if (query === 'sector_estimates') {
    const sector = rows.filter((r) => r.sector === row.sector);
    return { organisations: sector, spinouts: sector.filter((r) => r.is_spinout) };
  }
  if (query === 'spinout_estimates') {
    const spinouts = rows.filter((r) => r.is_spinout);
    // A row by region leaves the parent body empty ("[x]", not applicable), and the other way round.
    const byParent = row.parent_body !== '' && row.parent_body !== '[x]';
    return {
      spinouts: byParent
        ? spinouts.filter((r) => r.parent_body === row.parent_body)
        : spinouts.filter((r) => r.region === row.region),
    };
  }
  const known = rows.filter((r) => r.sector === row.sector && r.turnover !== null && (r.turnover_prev as number) > 0);
  return { share_grew: known };
}

describe.each([
  [300, 5],
  [1200, 10],
])('the weighted queries of a %i-row wave exported with a threshold of %i', (size, threshold) => {
  it('publish no estimate from fewer organisations than the threshold', async () => {
    const lake = await weightedLake({ survey: 'uk-se', wave: 2023, rows: size, seed: 8, replicates: 30 });
    const engine = await DuckDbEngine.open(lake.storage);
    let published = 0;
    let hidden = 0;
    try {
      const read = await engine.run(
        `select sector, is_spinout, parent_body, region, turnover, turnover_prev from responses
         where survey = 'uk-se' and wave = 2023 and region is not null and employees is not null`,
        [],
        [
          { name: 'sector', type: 'string' },
          { name: 'is_spinout', type: 'boolean' },
          { name: 'parent_body', type: 'string' },
          { name: 'region', type: 'string' },
          { name: 'turnover', type: 'double' },
          { name: 'turnover_prev', type: 'double' },
        ],
      );
      for (const query of ['sector_estimates', 'spinout_estimates', 'growth_estimates']) {
        const file = join(out, `${size}-${query}.csv`);
        await exportQuery({
          engine,
          lake: lake.storage,
          name: query,
          params: { survey: 'uk-se', wave: '2023' },
          out: file,
          deployment: { threshold, p: 10 },
        });
        const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
        const table = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
        for (const row of table.filter((r) => Object.values(r)[0] !== 'Total')) {
          for (const [name, members] of Object.entries(contributors(query, row, read.rows))) {
            const cells = ['estimate', 'se', 'ci_low', 'ci_high'].map((part) => row[`${name}_${part}`]);
            if (cells.every((cell) => cell === '[c]')) {
              hidden++;
              continue;
            }
            expect(cells.includes('[c]'), `${query} ${JSON.stringify(row)}: an estimate half hidden`).toBe(false);
            if (members.length === 0) {
              // No organisation behind it (finance has no spin-outs): a zero discloses nobody.
              expect(cells.map(Number), `${query} ${JSON.stringify(row)}`).toEqual([0, 0, 0, 0]);
              continue;
            }
            expect(members.length, `${query} ${name} of ${JSON.stringify(row)}`).toBeGreaterThanOrEqual(threshold);
            if (name === 'share_grew') {
              const grew = members.filter((r) => (r.turnover as number) > (r.turnover_prev as number)).length;
              expect(grew, `${query} ${row.sector}: a share of few`).toBeGreaterThanOrEqual(threshold);
            }
            published++;
          }
          for (const column of ['respondents', 'spinout_respondents']) {
            const cell = row[column];
            if (cell === undefined || cell === '[c]') continue;
            expect(Number(cell) === 0 || Number(cell) >= threshold, `${query} ${column} ${cell}`).toBe(true);
          }
        }
      }
    } finally {
      await engine.close();
    }
    expect(published).toBeGreaterThan(10);
    // The small wave has small groups: the rules must have had work to do.
    if (size === 300) expect(hidden).toBeGreaterThan(0);
  });
});
