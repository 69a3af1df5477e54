import { describe, expect, it } from 'vitest';
import {
  additiveRelation,
  cellRef,
  checkSettings,
  DisclosureError,
  type DisclosureTable,
  effectiveSettings,
  gridFromContributions,
  isDominated,
  type ProtectedTable,
  protectTable,
  SettingsError,
  subsetRelation,
  type TableCell,
} from '../../../../core/disclosure/index.ts';
import { type Constraint, intervals, type Unknown } from '../../../helpers/intruder-lp.ts';

const SETTINGS = { threshold: 5, p: 10 };

/** A one-way table of counts with a total row: each body value is also its contributor count. */
function oneWayCounts(values: number[], lower = 0): DisclosureTable {
  const cells: TableCell[] = values.map((v, r) => ({
    ref: cellRef(r, 'n'),
    row: r,
    column: 'n',
    kind: 'count',
    value: v,
    contributors: v,
    ...(lower > 0 ? { lower } : {}),
  }));
  const total = values.reduce((a, b) => a + b, 0);
  cells.push({
    ref: cellRef(values.length, 'n'),
    row: values.length,
    column: 'n',
    kind: 'count',
    value: total,
    contributors: total,
  });
  return {
    cells,
    relations: [
      additiveRelation(
        values.map((_, r) => cellRef(r, 'n')),
        cellRef(values.length, 'n'),
      ),
    ],
  };
}

function statuses(table: ProtectedTable): Record<string, string> {
  return Object.fromEntries(table.cells.map((c) => [c.ref, c.status]));
}

/**
 * The reader's intervals for the suppressed counts and totals of a protected table, by the test's own program:
 * published cells are known, every relation holds, counts are whole and ≥ their known lower bound.
 */
async function readerIntervals(table: ProtectedTable) {
  const hidden = table.cells.filter((c) => c.status !== 'published' && (c.kind === 'count' || c.kind === 'sum'));
  const value = (c: TableCell) => (c.kind === 'sum' ? (c.total ?? Number(c.value)) : Number(c.value));
  const unknowns: Unknown[] = hidden.map((c) => ({ name: c.ref, lower: c.lower ?? 0, integer: c.kind === 'count' }));
  const byRef = new Map(table.cells.map((c) => [c.ref, c]));
  const isHidden = new Set(hidden.map((c) => c.ref));
  const constraints: Constraint[] = table.relations.map((r) => {
    const known = r.terms
      .filter((t) => !isHidden.has(t.ref))
      .reduce((s, t) => s + t.coef * value(byRef.get(t.ref)!), 0);
    const terms = r.terms.filter((t) => isHidden.has(t.ref)).map((t) => [t.ref, t.coef] as const);
    return (r.sense ?? 'eq') === 'le'
      ? { terms, sense: '<=', rhs: (r.bound ?? 0) - known }
      : { terms, sense: '=', rhs: -known };
  });
  return intervals(unknowns, constraints);
}

describe('the settings', () => {
  it('refuse a deployment under the floors: a threshold of 2, p = 0', () => {
    expect(() => checkSettings({ threshold: 2, p: 10 })).toThrow(
      /threshold must be a whole number from 3 to 1000, got 2/,
    );
    expect(() => checkSettings({ threshold: 5, p: 0 })).toThrow(/p must be a number above 0 and at most 100, got 0/);
  });

  it('let a request make them stricter, never laxer', () => {
    expect(effectiveSettings(SETTINGS, { threshold: 7 })).toEqual({ threshold: 7, p: 10 });
    expect(effectiveSettings(SETTINGS, { p: 15 })).toEqual({ threshold: 5, p: 15 });
    expect(() => effectiveSettings(SETTINGS, { threshold: 3 })).toThrow(SettingsError);
    expect(() => effectiveSettings(SETTINGS, { threshold: 3 })).toThrow(
      "disclosure: threshold 3 is laxer than the deployment's 5; a request may only make the rules stricter",
    );
    expect(() => effectiveSettings(SETTINGS, { p: 5 })).toThrow(/p = 5 is laxer than the deployment's p = 10/);
  });
});

describe('primary suppression', () => {
  it('hides a count of 4 organisations by the threshold rule and publishes a count of 5', async () => {
    const { table, counts } = await protectTable(
      {
        cells: [
          { ref: 'a', row: 0, column: 'n', kind: 'count', value: 4, contributors: 4 },
          { ref: 'b', row: 1, column: 'n', kind: 'count', value: 5, contributors: 5 },
        ],
        relations: [],
      },
      SETTINGS,
    );
    expect(statuses(table)).toEqual({ a: 'threshold', b: 'published' });
    expect(counts).toMatchObject({ threshold: 1, dominance: 0, linked: 0, secondary: 0 });
  });

  it('hides a total dominated by its largest contributor under the p% rule', async () => {
    // 100 − 90 − 5 = 5 < 10% of 90 = 9: the second largest could estimate the largest within 10%.
    expect(isDominated({ total: 100, top1: 90, top2: 5 }, 10)).toBe(true);
    expect(isDominated({ total: 100, top1: 60, top2: 20 }, 10)).toBe(false);
    const cell = { ref: 'x', row: 0, column: 't', kind: 'sum' as const, value: 100, contributors: 6 };
    const dominated = { total: 100, top1: 90, top2: 5 };
    const at = async (p: number) =>
      (await protectTable({ cells: [{ ...cell, ...dominated }], relations: [] }, { threshold: 5, p })).table.cells[0]
        ?.status;
    expect(await at(10)).toBe('dominance');
    expect(await at(5)).toBe('published');
  });

  it('hides a share or median whose count is suppressed, and a share whose numerator is small', async () => {
    const { table } = await protectTable(
      {
        cells: [
          { ref: 'n', row: 0, column: 'n', kind: 'count', value: 3, contributors: 3 },
          { ref: 's', row: 0, column: 's', kind: 'share', value: 0.5, contributors: 12, numerator: 6, links: ['n'] },
          { ref: 'm', row: 0, column: 'm', kind: 'median', value: 7, contributors: 8, links: ['n'] },
          { ref: 'big', row: 1, column: 's', kind: 'share', value: 0.1, contributors: 30, numerator: 3 },
        ],
        relations: [],
      },
      SETTINGS,
    );
    expect(statuses(table)).toEqual({ n: 'threshold', s: 'linked', m: 'linked', big: 'threshold' });
  });
});

describe('secondary suppression to protection levels', () => {
  it('keeps two small cells from showing that each is under the threshold (total minus the rest = 3)', async () => {
    // The old heuristic hid 2 and 1 only: their sum, 3, told a reader that each was ≤ 3.
    const result = await protectTable(oneWayCounts([2, 1, 30, 40, 22]), SETTINGS);
    const bounds = await readerIntervals(result.table);
    expect(bounds.get('0:n')!.hi).toBeGreaterThanOrEqual(5);
    expect(bounds.get('1:n')!.hi).toBeGreaterThanOrEqual(5);
    // The cheapest third cell is the smallest: 22.
    expect(statuses(result.table)).toMatchObject({ '0:n': 'threshold', '1:n': 'threshold', '4:n': 'secondary' });
    expect(result.counts.secondary).toBe(1);
  });

  it('uses the fact that every listed row has at least one organisation: three hidden ones under a total of 3', async () => {
    const result = await protectTable(oneWayCounts([1, 1, 1, 40, 50, 60], 1), SETTINGS);
    const bounds = await readerIntervals(result.table);
    for (const ref of ['0:n', '1:n', '2:n']) {
      expect(bounds.get(ref)!.hi, ref).toBeGreaterThanOrEqual(5);
      expect(bounds.get(ref)!.hi - bounds.get(ref)!.lo, ref).toBeGreaterThan(0);
    }
  });

  it('protects a dominated total to x + p% of its largest contribution, not with a partner of 1', async () => {
    const sum = (ref: string, row: number, total: number, top1: number, top2: number, n: number): TableCell => ({
      ref,
      row,
      column: 't',
      kind: 'sum',
      value: total,
      contributors: n,
      total,
      top1,
      top2,
    });
    const table: DisclosureTable = {
      cells: [
        sum('a', 0, 1000, 950, 20, 6), // dominated: 1000 − 950 − 20 = 30 < 95
        sum('b', 1, 1, 1, 0, 1), // a single contributor: threshold
        sum('c', 2, 5000, 900, 800, 12),
        sum('d', 3, 8000, 900, 850, 20),
        sum('T', 4, 14001, 950, 900, 39),
      ],
      relations: [additiveRelation(['a', 'b', 'c', 'd'], 'T')],
    };
    const result = await protectTable(table, SETTINGS);
    const bounds = await readerIntervals(result.table);
    expect(result.table.cells.find((c) => c.ref === 'a')?.status).toBe('dominance');
    expect(bounds.get('a')!.hi).toBeGreaterThanOrEqual(1000 + 95);
    expect(bounds.get('b')!.hi).toBeGreaterThanOrEqual(1 + 0.1);
  });

  it('protects the classic two-way table: one small cell costs a rectangle of four', async () => {
    const many = (n: number) => Array.from({ length: n }, () => 1);
    const table = gridFromContributions(
      [
        [many(2), many(20), many(30)],
        [many(15), many(10), many(40)],
        [many(25), many(35), many(12)],
      ],
      'count',
    );
    const { table: out, counts } = await protectTable(table, SETTINGS);
    const hidden = out.cells.filter((c) => c.status !== 'published').map((c) => c.ref);
    expect(counts.threshold).toBe(1);
    // Row 0 and column c0 each need a second hidden cell, and they meet in a fourth: the smallest choices.
    expect(hidden.sort()).toEqual(['0:c0', '0:c1', '1:c0', '1:c1'].sort());
    expect((await readerIntervals(out)).get('0:c0')!.hi).toBeGreaterThanOrEqual(5);
  });

  it('reads a subset count as at most its row count', async () => {
    // spin-outs ≤ organisations: hiding spin-outs 2 beside published organisations 3 would show it is ≤ 3.
    const table: DisclosureTable = {
      cells: [
        { ref: 'o0', row: 0, column: 'o', kind: 'count', value: 3, contributors: 3, lower: 1 },
        { ref: 's0', row: 0, column: 's', kind: 'count', value: 2, contributors: 2 },
        { ref: 'o1', row: 1, column: 'o', kind: 'count', value: 40, contributors: 40, lower: 1 },
        { ref: 's1', row: 1, column: 's', kind: 'count', value: 20, contributors: 20 },
        { ref: 'oT', row: 2, column: 'o', kind: 'count', value: 43, contributors: 43 },
        { ref: 'sT', row: 2, column: 's', kind: 'count', value: 22, contributors: 22 },
      ],
      relations: [
        additiveRelation(['o0', 'o1'], 'oT'),
        additiveRelation(['s0', 's1'], 'sT'),
        subsetRelation('s0', 'o0'),
        subsetRelation('s1', 'o1'),
        subsetRelation('sT', 'oT'),
      ],
    };
    const result = await protectTable(table, SETTINGS);
    const bounds = await readerIntervals(result.table);
    for (const ref of ['o0', 's0']) expect(bounds.get(ref)!.hi, ref).toBeGreaterThanOrEqual(5);
  });
});

describe('earlier releases', () => {
  it('never picks a cell a reader already knows, and keeps suppressed what was suppressed', async () => {
    const base = oneWayCounts([2, 10, 30, 40, 22]);
    const cells = base.cells.map((c) =>
      c.ref === '1:n'
        ? { ...c, history: { kind: 'published' as const } }
        : c.ref === '2:n'
          ? { ...c, history: { kind: 'suppressed' as const } }
          : c,
    );
    const result = await protectTable({ ...base, cells }, SETTINGS);
    expect(statuses(result.table)).toMatchObject({ '0:n': 'threshold', '1:n': 'published', '2:n': 'release' });
    expect((await readerIntervals(result.table)).get('0:n')!.hi).toBeGreaterThanOrEqual(5);
  });

  it('suppresses a revised cell and keeps its change from being read off to within the threshold', async () => {
    // The cell was 31, published; it is now 30 (one organisation left). Some value ≥ 31 + 5 or ≤ 31 − 5 must stay possible.
    const base = oneWayCounts([12, 30, 40, 22]);
    const cells = base.cells.map((c) =>
      c.ref === '1:n' ? { ...c, history: { kind: 'revised' as const, change: -1, organisations: 1, largest: 1 } } : c,
    );
    const result = await protectTable({ ...base, cells }, SETTINGS);
    expect(result.table.cells.find((c) => c.ref === '1:n')?.status).toBe('revision');
    const b = (await readerIntervals(result.table)).get('1:n')!;
    expect(b.lo <= 26 || b.hi >= 36).toBe(true);
  });

  it('publishes, and reports, a small cell that earlier releases already pin to its value: nothing here can protect it', async () => {
    const base = oneWayCounts([2, 10, 30]);
    const cells = base.cells.map((c) => (c.ref === '0:n' ? c : { ...c, history: { kind: 'published' as const } }));
    const result = await protectTable({ ...base, cells }, SETTINGS);
    expect(result.knownPrimaries).toEqual(['0:n']);
    expect(result.table.cells.find((c) => c.ref === '0:n')?.status).toBe('threshold');
  });

  it('refuses, in one line that names the cell but not its value, a table it cannot protect', async () => {
    // A reader who knows the count is at most 3 can never be kept from knowing it is under 5.
    const attempt = protectTable(
      {
        cells: [{ ref: 'x', row: 0, column: 'n', kind: 'count', value: 2, contributors: 2, label: 'the small row' }],
        relations: [{ terms: [{ ref: 'x', coef: 1 }], sense: 'le', bound: 3 }],
      },
      SETTINGS,
    );
    await expect(attempt).rejects.toThrow(DisclosureError);
    const message = await attempt.then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toBe(
      'disclosure: refusing to publish: the table cannot be protected: the small row: its protection level under the threshold rule cannot be met',
    );
    expect(message).not.toMatch(/\d/);
  });
});

describe('the audit report', () => {
  it('names the solver and what the intruder was allowed to know', async () => {
    const { audit } = await protectTable(oneWayCounts([2, 10, 30, 40], 1), SETTINGS);
    expect(audit.solver).toMatch(/^HiGHS \d+\.\d+\.\d+$/);
    expect(audit.protectionLevels).toBe(1);
    expect(audit.cellsAudited).toBeGreaterThanOrEqual(2);
    expect(audit.model.join('; ')).toMatch(/every listed row has at least one organisation/);
  });
});
