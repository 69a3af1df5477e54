import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RakeMargins, rake } from '../../../../core/weight/index.ts';

const NONE = { lower: 0, upper: Number.POSITIVE_INFINITY, tolerance: 1e-12, maxIterations: 5000 };

/** Textbook IPF on a weight per cell: scale each category to its target in turn, many times over. */
function naiveIpf(margins: RakeMargins, base: readonly number[], passes: number): number[] {
  const w = [...base];
  for (let pass = 0; pass < passes; pass++) {
    margins.category.forEach((category, m) => {
      margins.targets[m]!.forEach((target, k) => {
        let sum = 0;
        for (let c = 0; c < category.length; c++) if (category[c] === k) sum += w[c]!;
        if (sum === 0) return;
        for (let c = 0; c < category.length; c++) if (category[c] === k) w[c] = (w[c]! * target) / sum;
      });
    });
  }
  return w;
}

/** The margin sums of weights base × g. */
function sums(margins: RakeMargins, base: Float64Array, g: Float64Array): number[][] {
  return margins.category.map((category, m) => {
    const out = new Array<number>(margins.targets[m]!.length).fill(0);
    category.forEach((k, c) => {
      out[k]! += base[c]! * g[c]!;
    });
    return out;
  });
}

/** A random raking problem: cells of 2 or 3 margins whose targets come from weights some g would give. */
const problem = fc
  .record({
    sizes: fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 3 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ sizes, seed }) => {
    let state = seed;
    const next = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    const cells: number[][] = [[]];
    for (const size of sizes) {
      const grown: number[][] = [];
      for (const cell of cells) for (let k = 0; k < size; k++) grown.push([...cell, k]);
      cells.splice(0, cells.length, ...grown);
    }
    // Keep most cells (some empty, as in a real sample), each with a base total.
    const kept = cells.filter(() => next() < 0.8);
    const base = Float64Array.from(kept, () => 1 + Math.floor(next() * 20));
    const truth = kept.map(() => 0.5 + 2 * next());
    const margins: RakeMargins = {
      category: sizes.map((_, m) => Int32Array.from(kept, (cell) => cell[m]!)),
      targets: sizes.map((size, m) => {
        const targets = new Float64Array(size);
        kept.forEach((cell, c) => {
          targets[cell[m]!]! += base[c]! * truth[c]!;
        });
        return targets;
      }),
    };
    return { margins, base };
  });

describe('rake', () => {
  it('finds what textbook IPF finds when no bound is set', () => {
    fc.assert(
      fc.property(problem, ({ margins, base }) => {
        const result = rake(margins, base, NONE);
        expect(result.converged).toBe(true);
        const naive = naiveIpf(margins, [...base], 3000);
        base.forEach((b, c) => {
          expect(Math.abs(b * result.g[c]! - naive[c]!)).toBeLessThanOrEqual(1e-7 * naive[c]!);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the odds ratio of a 2 × 2 table (raking multiplies rows and columns)', () => {
    const margins: RakeMargins = {
      category: [Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 1, 0, 1)],
      targets: [Float64Array.of(60, 40), Float64Array.of(30, 70)],
    };
    const base = Float64Array.of(10, 20, 30, 40);
    const { g, converged } = rake(margins, base, NONE);
    expect(converged).toBe(true);
    const w = Array.from(base, (b, c) => b * g[c]!);
    expect((w[0]! * w[3]!) / (w[1]! * w[2]!)).toBeCloseTo((10 * 40) / (20 * 30), 10);
    expect(sums(margins, base, g)).toEqual([
      [expect.closeTo(60, 9), expect.closeTo(40, 9)],
      [expect.closeTo(30, 9), expect.closeTo(70, 9)],
    ]);
  });

  it('meets every margin within the bounds, holding a cell at a bound only where its factor would pass it', () => {
    let held = 0;
    fc.assert(
      fc.property(problem, ({ margins, base }) => {
        // Bounds around the middle of the unbounded solution's factors, so that some cells pass them.
        const free = rake(margins, base, NONE).g.filter((_, c) => base[c]! > 0);
        const spread = Math.max(...free) / Math.min(...free);
        const middle = Math.sqrt(Math.max(...free) * Math.min(...free));
        const settings = {
          lower: middle / spread ** 0.4,
          upper: middle * spread ** 0.4,
          tolerance: 1e-10,
          maxIterations: 5000,
        };
        const result = rake(margins, base, settings);
        if (result.unreachable || !result.converged) return; // some targets cannot be met within these bounds
        if (result.g.some((g, c) => base[c]! > 0 && (g === settings.lower || g === settings.upper))) held++;
        sums(margins, base, result.g).forEach((row, m) => {
          row.forEach((sum, k) => {
            const target = margins.targets[m]![k]!;
            expect(Math.abs(sum - target)).toBeLessThanOrEqual(1e-9 * target + 1e-12);
          });
        });
        result.g.forEach((g, c) => {
          if (base[c] === 0) return;
          const free = Math.exp(result.eta[c]!);
          expect(g).toBeGreaterThanOrEqual(settings.lower);
          expect(g).toBeLessThanOrEqual(settings.upper);
          // g = clip(exp(eta)): the raking function with bounds (the form of the unique solution).
          expect(g).toBeCloseTo(Math.min(settings.upper, Math.max(settings.lower, free)), 9);
        });
      }),
      { numRuns: 60 },
    );
    // The bounds must have been reached in some of the problems, or this would test plain raking.
    expect(held).toBeGreaterThan(10);
  });

  it('says which category cannot be reached within the bounds', () => {
    // Row 2 must shrink to half its base, below the lower bound 0.6.
    const margins: RakeMargins = {
      category: [Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 1, 0, 1)],
      targets: [Float64Array.of(3, 1), Float64Array.of(2, 2)],
    };
    const result = rake(margins, Float64Array.of(1, 1, 1, 1), { ...NONE, lower: 0.6, upper: 5 });
    expect(result.converged).toBe(false);
    expect(result.unreachable).toEqual({ margin: 0, category: 1 });
  });

  it('reaches the same weights from the multipliers of a close problem, in fewer passes overall', () => {
    let cold = 0;
    let warm = 0;
    fc.assert(
      fc.property(problem, ({ margins, base }) => {
        const first = rake(margins, base, NONE);
        const nudged = base.map((b, c) => (c % 3 === 0 ? b * 1.05 : b));
        const fromScratch = rake(margins, nudged, NONE);
        const fromFirst = rake(margins, nudged, NONE, first.eta);
        cold += fromScratch.iterations;
        warm += fromFirst.iterations;
        fromScratch.g.forEach((g, c) => {
          expect(Math.abs(fromFirst.g[c]! - g)).toBeLessThanOrEqual(1e-8 * g);
        });
      }),
      { numRuns: 30 },
    );
    expect(warm).toBeLessThan(cold);
  });
});
