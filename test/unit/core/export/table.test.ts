import { describe, expect, it } from 'vitest';
import { DisclosureError, protectTable } from '../../../../core/disclosure/index.ts';
import type { CellValue, QueryResult } from '../../../../core/engine/query-engine.ts';
import {
  buildExportTable,
  type CellStatistics,
  exactMedian,
  familyOf,
  groupKey,
  jointTable,
} from '../../../../core/export/index.ts';
import { getSavedQuery, loadSavedQueries } from '../../../../core/queries/index.ts';

const SETTINGS = { threshold: 5, p: 10 };
const PARAMS = { survey: 'uk-se', wave: 2023 };

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
  it("puts its rows in the order of their group values, not the query's order by a value", () => {
    // growth_by_sector's rows as a query ranking them by a value would give them: b (30) before a (20).
    const { query, result, stats } = growth();
    const ranked = { ...result, rows: [...result.rows].reverse() };
    const built = buildExportTable(query, stats, { params: PARAMS, result: ranked, waves: [2023] });
    expect(built.rowLabels).toEqual(['a', 'b', 'Total']);
    const respondents = built.table.cells.filter((c) => c.column === 'respondents').map((c) => [c.row, c.value]);
    expect(respondents).toEqual([
      [0, 20],
      [1, 30],
      [2, 50],
    ]);
  });

  it('adds a Total row computed from the pooled microdata', () => {
    const { query, result, stats } = growth();
    const built = buildExportTable(query, stats, { params: PARAMS, result, waves: [2023] });
    const total = (column: string) => built.table.cells.find((c) => c.row === 2 && c.column === column);
    expect(total('sector')?.value).toBe('Total');
    expect(total('respondents')?.value).toBe(50);
    expect(total('share_increased')?.value).toBeCloseTo(13 / 50, 12);
    expect(total('median_turnover_growth')?.value).toBe(0.175);
  });

  it('reads the shares of one question as numerators of their published count, adding up to it', () => {
    const { query, result, stats } = growth();
    const built = buildExportTable(query, stats, { params: PARAMS, result, waves: [2023] });
    const cell = (row: number, column: string) => built.table.cells.find((c) => c.row === row && c.column === column);
    expect(cell(0, 'share_increased')?.denominator).toBe('0:respondents');
    expect(cell(2, 'share_same')?.numerator).toBe(19);
    const question = built.table.relations.find(
      (r) => r.terms.length === 4 && r.terms.some((t) => t.ref === '0:share_same'),
    );
    expect(question?.terms.map((t) => [t.ref, t.coef])).toEqual([
      ['0:share_increased', 1],
      ['0:share_same', 1],
      ['0:share_decreased', 1],
      ['0:respondents', -1],
    ]);
  });

  it('hides a share over a small numerator, and enough other shares that answers adding up do not give it away', async () => {
    const { query, result, stats } = growth();
    const built = buildExportTable(query, stats, { params: PARAMS, result, waves: [2023] });
    const { table } = await protectTable(built.table, SETTINGS);
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
  });

  it('refuses a table whose published count disagrees with the microdata', () => {
    const { query, result, stats } = growth(21);
    const build = () => buildExportTable(query, stats, { params: PARAMS, result, waves: [2023] });
    expect(build).toThrow(DisclosureError);
    expect(build).toThrow(
      /disagree with saved query "growth_by_sector" at row 1, column "respondents": the query published 21, the microdata give 20/,
    );
  });

  it('ties a running total to its column, so a hidden year cannot be read off two published running totals', async () => {
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
    const built = buildExportTable(query, stats, {
      params: PARAMS,
      result: { columns: query.columns, rows },
      waves: [2023],
    });
    const { table, counts } = await protectTable(built.table, SETTINGS);
    const hidden = new Set(table.cells.filter((c) => c.status !== 'published').map((c) => c.ref));
    expect(hidden).toContain('0:spinouts');
    expect(hidden).toContain('0:cumulative_spinouts');
    expect(counts.threshold).toBe(2);
    expect(counts.secondary).toBeGreaterThan(0);
    // Year by year: a hidden year's count never sits between two published running totals.
    for (let r = 1; r < years.length; r++) {
      if (!hidden.has(`${r}:spinouts`)) continue;
      expect(!hidden.has(`${r - 1}:cumulative_spinouts`) && !hidden.has(`${r}:cumulative_spinouts`)).toBe(false);
    }
    expect(table.cells.find((c) => c.ref === '3:cumulative_spinouts')?.value).toBeNull();
  });

  it('knows a listed row has at least one organisation, and a count with a condition is at most its row count', () => {
    const query = getSavedQuery('spinouts_by_sector');
    const stats = new Map([
      [groupKey(['health']), { organisations: stat(12), spinouts: stat(4), spinout_share: stat(12, 4) }],
      [groupKey(['youth']), { organisations: stat(30), spinouts: stat(10), spinout_share: stat(30, 10) }],
    ]);
    const built = buildExportTable(query, stats, { params: PARAMS, waves: [2023] });
    const cell = (ref: string) => built.table.cells.find((c) => c.ref === ref);
    expect(cell('0:organisations')?.lower).toBe(1);
    expect(cell('2:organisations')?.lower).toBeUndefined();
    expect(cell('0:spinouts')?.lower).toBeUndefined();
    const le = built.table.relations.filter((r) => r.sense === 'le').map((r) => r.terms.map((t) => t.ref).join(' ≤ '));
    expect(le).toEqual([
      '0:spinouts ≤ 0:organisations',
      '1:spinouts ≤ 1:organisations',
      '2:spinouts ≤ 2:organisations',
    ]);
    // spin-out status is always known, so the share is over the organisations and its numerator is the spin-outs.
    expect(cell('0:spinout_share')?.denominator).toBe('0:organisations');
    expect(
      built.table.relations.some(
        (r) => r.terms.map((t) => `${t.ref}×${t.coef}`).join() === '0:spinout_share×1,0:spinouts×-1',
      ),
    ).toBe(true);
  });
});

describe('linked tables', () => {
  const queries = loadSavedQueries();
  const instance = (name: string, params: Record<string, string | number>) => ({ query: getSavedQuery(name), params });
  const names = (family: { query: { name: string }; params: Record<string, unknown> }[]) =>
    family.map((f) => `${f.query.name}(${Object.values(f.params).join(',')})`).sort();

  it("link a sector profile to the spin-outs by sector, the governance table and wave_summary, and through it every wave's", () => {
    const family = familyOf(instance('sector_profile', PARAMS), queries, [2022, 2023]);
    expect(names(family)).toEqual(
      [
        'governance_and_value(uk-se,2022)',
        'governance_and_value(uk-se,2023)',
        'sector_profile(uk-se,2022)',
        'sector_profile(uk-se,2023)',
        'spinouts_by_sector(uk-se,2022)',
        'spinouts_by_sector(uk-se,2023)',
        'wave_summary(uk-se)',
      ].sort(),
    );
    expect(family[0]?.query.name).toBe('sector_profile');
  });

  it('leave a table that shares no cell alone', () => {
    expect(names(familyOf(instance('regional_profile', PARAMS), queries, [2022, 2023]))).toEqual([
      'regional_profile(uk-se,2023)',
    ]);
    expect(
      names(
        familyOf(instance('panel_growth', { survey: 'uk-se', from_wave: 2022, to_wave: 2023 }), queries, [2022, 2023]),
      ),
    ).toEqual(['panel_growth(uk-se,2022,2023)']);
  });

  it("merge wave_summary's row of a wave with that wave's sector profile Total into one cell", () => {
    const profile = getSavedQuery('sector_profile');
    const summary = getSavedQuery('wave_summary');
    const s = (n: number, values: number[] = []) => ({ contributors: n, numerator: 0, values });
    const profileStats = new Map([
      [groupKey(['health']), { organisations: s(3), employees_total: s(3, [1, 2, 3]) }],
      [groupKey(['youth']), { organisations: s(20), employees_total: s(20, Array(20).fill(5)) }],
    ]);
    const summaryStats = new Map([
      [groupKey([2022]), { responses: s(40), spinouts: s(5), employees_total: s(40, Array(40).fill(2)) }],
      [groupKey([2023]), { responses: s(23), spinouts: s(6), employees_total: s(23, [1, 2, 3, ...Array(20).fill(5)]) }],
    ]);
    const a = buildExportTable(profile, profileStats, { params: PARAMS, waves: [2023] });
    const b = buildExportTable(summary, summaryStats, { params: { survey: 'uk-se' }, waves: [2022, 2023] });
    const joint = jointTable([a, b]);
    expect(joint.refs[1]!.get('1:responses')).toBe(joint.refs[0]!.get('2:organisations'));
    expect(joint.refs[1]!.get('1:employees_total')).toBe(joint.refs[0]!.get('2:employees_total'));
    expect(joint.refs[1]!.get('0:responses')).not.toBe(joint.refs[0]!.get('2:organisations'));
    expect(joint.appearances.get(joint.refs[0]!.get('2:organisations')!)).toBe(2);
  });
});
