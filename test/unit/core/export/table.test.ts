import { describe, expect, it } from 'vitest';
import { DisclosureError, suppress, verifyProtected } from '../../../../core/disclosure/index.ts';
import type { CellValue, QueryResult } from '../../../../core/engine/query-engine.ts';
import { buildExportTable, type CellStatistics, exactMedian, groupKey } from '../../../../core/export/index.ts';
import { getSavedQuery } from '../../../../core/queries/index.ts';

const stat = (contributors: number, numerator = 0, values: number[] = []): CellStatistics => ({
  contributors,
  numerator,
  values,
});

/** growth_by_sector for two sectors; sector a has 3 organisations whose turnover increased. */
function growth(respondentsOfA = 20) {
  const query = getSavedQuery('growth_by_sector');
  const growthA = [0.1, 0.2, -0.1, 0, 0.3, 0.05, 0.4, -0.2, 0.15, 0.12];
  const growthB = [0.2, 0.1, 0.3, 0.4, 0.5, 0.6];
  const row = (sector: string, n: number, inc: number, same: number, dec: number, g: number[]) => ({
    sector,
    respondents: n,
    share_increased: inc / n,
    share_same: same / n,
    share_decreased: dec / n,
    median_turnover_growth: exactMedian(g),
  });
  const result: QueryResult = {
    columns: query.columns,
    rows: [row('a', respondentsOfA, 3, 9, 8, growthA), row('b', 30, 10, 10, 10, growthB)],
  };
  const stats = new Map<string, Record<string, CellStatistics>>([
    [
      groupKey(['a']),
      {
        respondents: stat(20),
        share_increased: stat(20, 3),
        share_same: stat(20, 9),
        share_decreased: stat(20, 8),
        median_turnover_growth: stat(10, 0, growthA),
      },
    ],
    [
      groupKey(['b']),
      {
        respondents: stat(30),
        share_increased: stat(30, 10),
        share_same: stat(30, 10),
        share_decreased: stat(30, 10),
        median_turnover_growth: stat(6, 0, growthB),
      },
    ],
  ]);
  return { query, result, stats };
}

describe('the table built from a saved query and its microdata', () => {
  it('adds a Total row computed from the pooled microdata', () => {
    const { query, result, stats } = growth();
    const built = buildExportTable(query, result, stats, { total: true });
    const total = (column: string) => built.table.cells.find((c) => c.row === 2 && c.column === column);
    expect(total('sector')?.value).toBe('Total');
    expect(total('respondents')?.value).toBe(50);
    expect(total('share_increased')?.value).toBeCloseTo(13 / 50, 12);
    expect(total('median_turnover_growth')?.value).toBe(0.175);
    expect(built.columns[0]?.type).toBe('string');
  });

  it('hides a share over a small numerator, and enough other shares that answers adding to 1 do not give it away', () => {
    const { query, result, stats } = growth();
    const built = buildExportTable(query, result, stats, { total: true });
    const { table } = suppress(built.table);
    const status = (row: number, column: string) =>
      table.cells.find((c) => c.row === row && c.column === column)?.status;
    expect(status(0, 'share_increased')).toBe('threshold');
    const shares = ['share_increased', 'share_same', 'share_decreased'];
    for (const row of [0, 1, 2]) {
      expect(shares.filter((s) => status(row, s) !== 'published')).not.toHaveLength(1);
    }
    for (const column of shares) {
      expect([0, 1, 2].filter((r) => status(r, column) !== 'published')).not.toHaveLength(1);
    }
    expect(verifyProtected(table).ok).toBe(true);
  });

  it('refuses a table whose published count disagrees with the microdata', () => {
    const { query, result, stats } = growth(21);
    expect(() => buildExportTable(query, result, stats, { total: true })).toThrow(DisclosureError);
    expect(() => buildExportTable(query, result, stats, { total: true })).toThrow(
      /disagree with saved query "growth_by_sector" at row 1, column "respondents": the query published 21, the microdata give 20/,
    );
  });

  it('ties a running total to its column, so a hidden year cannot be read off two published running totals', () => {
    const query = getSavedQuery('spinout_cohorts');
    const years: [number, number][] = [
      [2001, 3],
      [2002, 10],
      [2003, 8],
    ];
    let running = 0;
    const rows: Record<string, CellValue>[] = years.map(([year, n]) => {
      running += n;
      return { spinout_year: year, spinouts: n, cumulative_spinouts: running };
    });
    const stats = new Map(years.map(([year, n]) => [groupKey([year]), { spinouts: stat(n) }]));
    const built = buildExportTable(query, { columns: query.columns, rows }, stats, { total: true });
    const { table, counts } = suppress(built.table);
    const hidden = new Set(table.cells.filter((c) => c.status !== 'published').map((c) => c.ref));
    expect(hidden).toContain('0:spinouts');
    expect(hidden).toContain('0:cumulative_spinouts');
    expect(counts.threshold).toBe(2);
    expect(counts.secondary).toBeGreaterThan(0);
    // Year by year: a hidden year's count never sits between two published running totals.
    for (let r = 0; r < years.length; r++) {
      if (!hidden.has(`${r}:spinouts`)) continue;
      const before = r === 0 ? false : hidden.has(`${r - 1}:cumulative_spinouts`);
      expect(r > 0 && !before && !hidden.has(`${r}:cumulative_spinouts`)).toBe(false);
      if (r === 0) expect(hidden.has('0:cumulative_spinouts')).toBe(true);
    }
    expect(table.cells.find((c) => c.ref === '3:cumulative_spinouts')?.value).toBeNull();
    expect(verifyProtected(table).ok).toBe(true);
  });
});
