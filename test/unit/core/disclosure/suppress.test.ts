import { describe, expect, it } from 'vitest';
import {
  additiveRelation,
  assertProtected,
  cellRef,
  DisclosureError,
  type DisclosureTable,
  gridFromContributions,
  isDominated,
  type ProtectedTable,
  suppress,
  type TableCell,
  verifyProtected,
} from '../../../../core/disclosure/index.ts';

/** A one-way table of counts with a total row: each body value is also its contributor count. */
function oneWayCounts(values: number[]): DisclosureTable {
  const cells: TableCell[] = values.map((v, r) => ({
    ref: cellRef(r, 'n'),
    row: r,
    column: 'n',
    kind: 'count',
    value: v,
    contributors: v,
  }));
  const total = values.reduce((a, b) => a + b, 0);
  const totalRow = values.length;
  cells.push({
    ref: cellRef(totalRow, 'n'),
    row: totalRow,
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
        cellRef(totalRow, 'n'),
      ),
    ],
  };
}

function statuses(table: ProtectedTable): Record<string, string> {
  return Object.fromEntries(table.cells.map((c) => [c.ref, c.status]));
}

describe('primary suppression', () => {
  it('hides a count of 4 organisations by the threshold rule and publishes a count of 5', () => {
    const { table, counts } = suppress({
      cells: [
        { ref: 'a', row: 0, column: 'n', kind: 'count', value: 4, contributors: 4 },
        { ref: 'b', row: 1, column: 'n', kind: 'count', value: 5, contributors: 5 },
      ],
      relations: [],
    });
    expect(statuses(table)).toEqual({ a: 'threshold', b: 'published' });
    expect(counts).toEqual({ threshold: 1, dominance: 0, linked: 0, secondary: 0 });
  });

  it('honours a configured threshold of 10', () => {
    const { table } = suppress(
      { cells: [{ ref: 'a', row: 0, column: 'n', kind: 'count', value: 9, contributors: 9 }], relations: [] },
      { threshold: 10 },
    );
    expect(table.cells[0]?.status).toBe('threshold');
  });

  it('hides a total dominated by its largest contributor under the p% rule', () => {
    // 100 − 90 − 5 = 5 < 10% of 90 = 9: the second largest could estimate the largest within 10%.
    const dominated = { total: 100, top1: 90, top2: 5 };
    expect(isDominated(dominated, 10)).toBe(true);
    // 100 − 60 − 20 = 20 ≥ 6: safe.
    expect(isDominated({ total: 100, top1: 60, top2: 20 }, 10)).toBe(false);
    const { table, counts } = suppress({
      cells: [
        { ref: 'x', row: 0, column: 't', kind: 'sum', value: 100, contributors: 6, ...dominated },
        { ref: 'y', row: 1, column: 't', kind: 'sum', value: 100, contributors: 6, total: 100, top1: 60, top2: 20 },
      ],
      relations: [],
    });
    expect(statuses(table)).toEqual({ x: 'dominance', y: 'published' });
    expect(counts.dominance).toBe(1);
  });

  it('applies p as configured: p = 5 publishes what p = 10 hides', () => {
    const cell = { ref: 'x', row: 0, column: 't', kind: 'sum' as const, value: 100, contributors: 6 };
    const stats = { total: 100, top1: 88, top2: 5 }; // 7 left: < 8.8 (p=10) but ≥ 4.4 (p=5)
    expect(suppress({ cells: [{ ...cell, ...stats }], relations: [] }, { p: 10 }).table.cells[0]?.status).toBe(
      'dominance',
    );
    expect(suppress({ cells: [{ ...cell, ...stats }], relations: [] }, { p: 5 }).table.cells[0]?.status).toBe(
      'published',
    );
  });

  it('hides a share and a median whose backing count is suppressed', () => {
    const { table, counts } = suppress({
      cells: [
        { ref: 'n', row: 0, column: 'n', kind: 'count', value: 3, contributors: 3 },
        { ref: 's', row: 0, column: 's', kind: 'share', value: 0.5, contributors: 8, links: ['n'] },
        { ref: 'm', row: 0, column: 'm', kind: 'median', value: 12, contributors: 8, links: ['n'] },
        { ref: 'n2', row: 1, column: 'n', kind: 'count', value: 8, contributors: 8 },
        { ref: 's2', row: 1, column: 's', kind: 'share', value: 0.5, contributors: 8, links: ['n2'] },
      ],
      relations: [],
    });
    expect(statuses(table)).toEqual({ n: 'threshold', s: 'linked', m: 'linked', n2: 'published', s2: 'published' });
    expect(counts).toEqual({ threshold: 1, dominance: 0, linked: 2, secondary: 0 });
  });

  it('hides a share whose numerator is a small count', () => {
    const { table } = suppress({
      cells: [{ ref: 's', row: 0, column: 's', kind: 'share', value: 0.15, contributors: 20, numerator: 3 }],
      relations: [],
    });
    expect(table.cells[0]?.status).toBe('threshold');
  });

  it('publishes a zero count: no organisation is behind it', () => {
    const { table } = suppress({
      cells: [{ ref: 'z', row: 0, column: 'n', kind: 'count', value: 0, contributors: 0 }],
      relations: [],
    });
    expect(table.cells[0]?.status).toBe('published');
  });

  it('rejects a threshold that is not a whole number >= 1', () => {
    expect(() => suppress({ cells: [], relations: [] }, { threshold: 0 })).toThrow(/threshold must be a whole number/);
  });
});

describe('secondary suppression', () => {
  it('hides the smallest other cell of a one-way table when one body cell is suppressed', () => {
    const { table, counts } = suppress(oneWayCounts([4, 30, 12, 50]));
    expect(statuses(table)).toEqual({
      '0:n': 'threshold',
      '1:n': 'published',
      '2:n': 'secondary',
      '3:n': 'published',
      '4:n': 'published',
    });
    expect(counts.secondary).toBe(1);
    expect(verifyProtected(table).ok).toBe(true);
  });

  it('hides a body cell when only the total is suppressed', () => {
    const table: DisclosureTable = {
      cells: [
        { ref: 'a', row: 0, column: 't', kind: 'sum', value: 40, contributors: 6, total: 40, top1: 9, top2: 8 },
        { ref: 'b', row: 1, column: 't', kind: 'sum', value: 60, contributors: 6, total: 60, top1: 12, top2: 11 },
        { ref: 'T', row: 2, column: 't', kind: 'sum', value: 100, contributors: 3, total: 100, top1: 12, top2: 11 },
      ],
      relations: [additiveRelation(['a', 'b'], 'T')],
    };
    const result = suppress(table);
    expect(statuses(result.table)).toEqual({ a: 'secondary', b: 'published', T: 'threshold' });
  });

  it('protects the classic two-way table: one small cell costs a rectangle of four', () => {
    // Contributions: every cell but (0,0) has many organisations.
    const many = (n: number) => Array.from({ length: n }, () => 1);
    const table = gridFromContributions(
      [
        [many(2), many(20), many(30)],
        [many(15), many(10), many(40)],
        [many(25), many(35), many(12)],
      ],
      'count',
    );
    const { table: out, counts } = suppress(table);
    const hidden = out.cells.filter((c) => c.status !== 'published').map((c) => c.ref);
    expect(counts.threshold).toBe(1);
    expect(hidden).toContain('0:c0');
    // Row 0 and column c0 each need a second hidden cell, and they meet in a fourth: the smallest choices.
    expect(hidden.sort()).toEqual(['0:c0', '0:c1', '1:c0', '1:c1'].sort());
    expect(verifyProtected(out)).toEqual({ ok: true, determined: [], pinned: [] });
  });
});

describe('verification', () => {
  it('finds a lone suppressed cell in a relation with published totals', () => {
    const base = oneWayCounts([4, 30, 12]);
    const table: ProtectedTable = {
      relations: base.relations,
      cells: base.cells.map((c) => ({ ...c, status: c.ref === '0:n' ? 'threshold' : 'published' })),
    };
    expect(verifyProtected(table)).toEqual({ ok: false, determined: ['0:n'], pinned: [] });
    expect(() => assertProtected(table)).toThrow(DisclosureError);
    expect(() => assertProtected(table)).toThrow(/refusing to publish: 1 suppressed cell\(s\) can be worked out/);
  });

  it('finds a bridge between two protected rectangles of a two-way table', () => {
    // Two 2×2 rectangles (rows 0-1 × c0-c1, rows 2-3 × c2-c3) joined by cell (1,c2): every row and column has
    // two hidden cells, yet the joining cell is determined — the local rule alone would miss it.
    const ones = (n: number) => Array.from({ length: n }, () => 1);
    const grid = gridFromContributions(
      Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => ones(10))),
      'count',
    );
    const hidden = new Set(['0:c0', '0:c1', '1:c0', '1:c1', '2:c2', '2:c3', '3:c2', '3:c3', '1:c2']);
    const table: ProtectedTable = {
      relations: grid.relations,
      cells: grid.cells.map((c) => ({ ...c, status: hidden.has(c.ref) ? 'secondary' : 'published' })),
    };
    expect(verifyProtected(table).determined).toEqual(['1:c2']);
  });
});

describe('the choice of secondary cells', () => {
  it('does not pick a zero with no contributor as the partner of a hidden cell', () => {
    const { table } = suppress(oneWayCounts([4, 0, 30, 12]));
    expect(statuses(table)).toMatchObject({ '0:n': 'threshold', '1:n': 'published', '3:n': 'secondary' });
  });
});

describe('the interval audit', () => {
  const sum = (ref: string, value: number, contributors: number): TableCell => ({
    ref,
    row: 0,
    column: ref,
    kind: 'sum',
    value,
    contributors,
    total: value,
    top1: value / Math.max(1, contributors),
    top2: value / Math.max(1, contributors),
  });

  it('finds hidden cells that non-negativity pins, though linear algebra leaves them free', () => {
    // a + b + c = T with c and T published and equal: a and b are ≥ 0 and add up to 0, so both are 0.
    const table: ProtectedTable = {
      cells: [
        { ...sum('a', 0, 2), status: 'threshold' },
        { ...sum('b', 0, 6), status: 'secondary' },
        { ...sum('c', 50, 6), status: 'published' },
        { ...sum('T', 50, 14), status: 'published' },
      ],
      relations: [additiveRelation(['a', 'b', 'c'], 'T')],
    };
    expect(verifyProtected(table)).toEqual({ ok: false, determined: [], pinned: ['a', 'b'] });
  });

  it('makes secondary suppression go on until no hidden cell is pinned', () => {
    const { table } = suppress({
      cells: [sum('a', 0, 2), sum('b', 0, 6), sum('c', 50, 6), sum('T', 50, 14)],
      relations: [additiveRelation(['a', 'b', 'c'], 'T')],
    });
    expect(statuses(table)).toEqual({ a: 'threshold', b: 'secondary', c: 'secondary', T: 'published' });
    expect(verifyProtected(table).ok).toBe(true);
  });
});
