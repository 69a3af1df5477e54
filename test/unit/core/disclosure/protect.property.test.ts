import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  determinedUnknowns,
  gridFromContributions,
  isDominated,
  type ProtectedTable,
  protectTable,
  type TableCell,
} from '../../../../core/disclosure/index.ts';
import { type Constraint, intervals, type Unknown } from '../../../helpers/intruder-lp.ts';

// An independent audit, by a different algorithm from the code under test: dense Gaussian elimination over the
// integers modulo a large prime, comparing rank(A) with rank(A plus the row e_i). x_i is determined exactly when
// adding e_i does not raise the rank. The prime is below 2^26 so every product stays exact in a double.
const PRIME = 67_108_859;

function mod(a: number): number {
  const r = a % PRIME;
  return r < 0 ? r + PRIME : r;
}

function inverse(a: number): number {
  // Fermat: a^(p−2) mod p, by square and multiply with exact intermediate products.
  let result = 1;
  let base = mod(a);
  let e = PRIME - 2;
  while (e > 0) {
    if (e & 1) result = mulmod(result, base);
    base = mulmod(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

function mulmod(a: number, b: number): number {
  // a, b < 2^26: the product is < 2^52, exact.
  return (a * b) % PRIME;
}

function rankModP(matrix: number[][]): number {
  const m = matrix.map((row) => row.map(mod));
  const cols = m[0]?.length ?? 0;
  let rank = 0;
  for (let c = 0; c < cols && rank < m.length; c++) {
    const pivot = m.findIndex((row, i) => i >= rank && row[c] !== 0);
    if (pivot < 0) continue;
    [m[rank], m[pivot]] = [m[pivot]!, m[rank]!];
    const inv = inverse(m[rank]![c]!);
    for (let i = 0; i < m.length; i++) {
      if (i === rank || m[i]![c] === 0) continue;
      const f = mulmod(m[i]![c]!, inv);
      for (let k = c; k < cols; k++) m[i]![k] = mod(m[i]![k]! - mulmod(f, m[rank]![k]!));
    }
    rank++;
  }
  return rank;
}

function determinedByRank(table: ProtectedTable): string[] {
  const hidden = table.cells.filter((c) => c.status !== 'published').map((c) => c.ref);
  const col = new Map(hidden.map((ref, i) => [ref, i]));
  const rows = table.relations.map((r) => {
    const row = new Array<number>(hidden.length).fill(0);
    for (const t of r.terms) {
      const i = col.get(t.ref);
      if (i !== undefined) row[i] = row[i]! + t.coef;
    }
    return row;
  });
  const base = rankModP(rows);
  return hidden.filter((_ref, i) => {
    const unit = new Array<number>(hidden.length).fill(0);
    unit[i] = 1;
    return rankModP([...rows, unit]) === base;
  });
}

/** Contributions of one cell: often none or few (small counts), sometimes one giant (dominance). */
const contributions = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 0, maxLength: 4 }) },
  { weight: 5, arbitrary: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 5, maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.integer({ min: 1, max: 50 }), { minLength: 5, maxLength: 8 })
      .map((small) => [...small, 1_000_000]),
  },
);

const grid = (maxRows: number, maxCols: number) =>
  fc
    .record({ rows: fc.integer({ min: 1, max: maxRows }), cols: fc.integer({ min: 1, max: maxCols }) })
    .chain(({ rows, cols }) =>
      fc.array(fc.array(contributions, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
    );

/**
 * The guarantee, checked by the test's own integer program (test/helpers/intruder-lp.ts) and by ranks modulo a
 * prime: every small count and small or dominated total is suppressed; a reader's upper bound of a count under
 * the threshold reaches the threshold, that of a total reaches it plus p% of its largest contribution; no
 * suppressed cell has an interval of one value, and none is determined by the equations.
 */
async function checkProtected(table: ProtectedTable, threshold: number, p: number): Promise<void> {
  const value = (c: TableCell) => (c.kind === 'sum' ? (c.total ?? 0) : Number(c.value));
  const hidden = table.cells.filter((c) => c.status !== 'published');
  for (const cell of table.cells) {
    if (cell.contributors > 0 && cell.contributors < threshold) expect(cell.status, cell.ref).not.toBe('published');
    if (cell.kind === 'sum' && cell.contributors > 0 && isDominated(cell, p)) {
      expect(cell.status, cell.ref).not.toBe('published');
    }
  }
  const isHidden = new Set(hidden.map((c) => c.ref));
  const byRef = new Map(table.cells.map((c) => [c.ref, c]));
  const unknowns: Unknown[] = hidden.map((c) => ({ name: c.ref, lower: 0, integer: c.kind === 'count' }));
  const constraints: Constraint[] = table.relations.map((r) => ({
    terms: r.terms.filter((t) => isHidden.has(t.ref)).map((t) => [t.ref, t.coef] as const),
    sense: '=',
    rhs: -r.terms.filter((t) => !isHidden.has(t.ref)).reduce((s, t) => s + t.coef * value(byRef.get(t.ref)!), 0),
  }));
  const bounds = await intervals(unknowns, constraints);
  for (const cell of hidden) {
    const b = bounds.get(cell.ref)!;
    const x = value(cell);
    expect(b.hi - b.lo, `${cell.ref} is recovered exactly`).toBeGreaterThan(1e-6 * Math.max(1, x));
    if (cell.kind === 'count' && x > 0 && x < threshold)
      expect(b.hi, cell.ref).toBeGreaterThanOrEqual(threshold - 1e-6);
    if (cell.kind === 'sum' && cell.contributors > 0 && (cell.contributors < threshold || isDominated(cell, p))) {
      expect(b.hi, cell.ref).toBeGreaterThanOrEqual(x + (p / 100) * (cell.top1 ?? 0) - 1e-6 * Math.max(1, x));
    }
  }
  expect(determinedByRank(table)).toEqual([]);
}

describe('protection on random tables with totals', () => {
  it('meets every protection level of counts in one-way tables', async () => {
    await fc.assert(
      fc.asyncProperty(grid(12, 1), fc.integer({ min: 3, max: 10 }), async (body, threshold) => {
        const { table } = await protectTable(gridFromContributions(body, 'count', false), { threshold, p: 10 });
        await checkProtected(table, threshold, 10);
      }),
      { numRuns: 40 },
    );
  });

  it('meets every protection level of counts in two-way tables', async () => {
    await fc.assert(
      fc.asyncProperty(grid(6, 5), fc.integer({ min: 3, max: 10 }), async (body, threshold) => {
        const { table } = await protectTable(gridFromContributions(body, 'count'), { threshold, p: 10 });
        await checkProtected(table, threshold, 10);
      }),
      { numRuns: 30 },
    );
  });

  it('meets every protection level of small and dominated totals in two-way tables', async () => {
    await fc.assert(
      fc.asyncProperty(grid(6, 5), fc.integer({ min: 1, max: 30 }), async (body, p) => {
        const { table } = await protectTable(gridFromContributions(body, 'sum'), { threshold: 5, p });
        await checkProtected(table, 5, p);
      }),
      { numRuns: 30 },
    );
  });
});

describe('exact elimination', () => {
  it('agrees with ranks modulo a prime on random suppression patterns', () => {
    // Not the output of protectTable(): arbitrary hidden sets, so that determined cells do occur.
    fc.assert(
      fc.property(
        grid(5, 5).chain((body) =>
          fc.tuple(
            fc.constant(body),
            fc.array(fc.boolean(), { minLength: (body.length + 1) * ((body[0]?.length ?? 0) + 1), maxLength: 64 }),
          ),
        ),
        ([body, mask]) => {
          const base = gridFromContributions(body, 'count');
          const table: ProtectedTable = {
            relations: base.relations,
            cells: base.cells.map((c, i) => ({ ...c, status: mask[i] ? 'secondary' : 'published' })),
          };
          const hidden = new Set(table.cells.filter((c) => c.status !== 'published').map((c) => c.ref));
          expect([...determinedUnknowns(table.relations, hidden)].sort()).toEqual(determinedByRank(table).sort());
        },
      ),
      { numRuns: 300 },
    );
  });
});
