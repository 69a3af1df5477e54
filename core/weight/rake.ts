// Raking (iterative proportional fitting) to margins, with bounded weights, on calibration cells.
//
// Rows of one cell (one category in every margin) start with the same weight, so they end with the same
// weight: raking works on the cells' base totals, not on rows. The problem is the calibration of Deville and
// Särndal with the raking distance and bounds L <= g <= U on each cell's adjustment g (final / base weight):
// minimise sum_c b_c (g_c log g_c - g_c + 1) subject to the margins. Its solution has the form
// g_c = clip(exp(sum of one multiplier per margin category of c), L, U), and it is unique. Each step solves one
// margin category's equation for its multiplier exactly (a piecewise-linear equation in exp(multiplier)); with
// no bound reached, that is the classic IPF step (multiply by target / current). Cycling through the margins
// until every margin is met to a relative tolerance is coordinate ascent on the dual, as R's survey::calibrate
// (calfun = "raking", bounds) solves the same problem by Newton steps.

/** The margins of one raking problem over C cells. */
export interface RakeMargins {
  /** Per margin, per cell: the cell's category index in that margin. */
  readonly category: readonly Int32Array[];
  /** Per margin, per category: the population total to reach. */
  readonly targets: readonly Float64Array[];
}

/** Settings of a raking. */
export interface RakeSettings {
  /** Lower bound on g = final / base weight (0 for none). */
  readonly lower: number;
  /** Upper bound on g (Infinity for none). */
  readonly upper: number;
  /** Stop when every margin category is within this relative error of its target. */
  readonly tolerance: number;
  /** Give up after this many passes over the margins. */
  readonly maxIterations: number;
}

/** What a raking reached. */
export interface RakeResult {
  /** Per cell: g, the factor from the base weight to the raked weight (1 for cells with no base). */
  readonly g: Float64Array;
  /** Per cell: the sum of its categories' multipliers (log scale), g = clip(exp(eta)); a start for a close problem. */
  readonly eta: Float64Array;
  /** Passes over the margins made. */
  readonly iterations: number;
  readonly converged: boolean;
  /** The largest relative error of a margin category at the end. */
  readonly maxError: number;
  /** When a single margin category cannot be reached at all: which one (margin, category index). */
  readonly unreachable?: { readonly margin: number; readonly category: number };
}

/** The cells of each category of a margin, as CSR arrays: cells[start[k] .. start[k+1]). */
interface Members {
  readonly start: Int32Array;
  readonly cells: Int32Array;
}

/** The members of each margin, computed once per margins object (a calibration rakes one many times). */
const membersCache = new WeakMap<RakeMargins, readonly Members[]>();

function membersOfMargins(margins: RakeMargins): readonly Members[] {
  let members = membersCache.get(margins);
  if (!members) {
    members = margins.category.map((category, m) => membersOf(category, margins.targets[m]!.length));
    membersCache.set(margins, members);
  }
  return members;
}

function membersOf(category: Int32Array, categories: number): Members {
  const start = new Int32Array(categories + 1);
  for (let c = 0; c < category.length; c++) start[category[c]! + 1]!++;
  for (let k = 0; k < categories; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, categories);
  const cells = new Int32Array(category.length);
  for (let c = 0; c < category.length; c++) cells[fill[category[c]!]!++] = c;
  return { start, cells };
}

/**
 * The factor x by which to multiply the unbounded factors `a` of a category's cells so that
 * sum b_c clip(x a_c, L, U) equals `target`; NaN when no x reaches it (the target is beyond L or U times the
 * category's base). The sum is continuous, increasing and piecewise linear in x, so Newton steps kept inside a
 * bracket land exactly once they reach the right piece.
 */
function solveCategory(
  cells: Int32Array,
  from: number,
  to: number,
  base: Float64Array,
  a: Float64Array,
  settings: RakeSettings,
  target: number,
): number {
  const { lower, upper } = settings;
  let linear = 0;
  let baseSum = 0;
  let highest = 0;
  for (let j = from; j < to; j++) {
    const c = cells[j]!;
    const b = base[c]!;
    if (b === 0) continue;
    baseSum += b;
    linear += b * a[c]!;
    highest = Math.max(highest, upper / a[c]!);
  }
  if (baseSum === 0) return target === 0 ? 1 : Number.NaN;
  if (lower === 0 && upper === Number.POSITIVE_INFINITY) return target / linear;
  if (target < lower * baseSum || target > upper * baseSum) return Number.NaN;
  let lo = 0;
  let hi = Number.isFinite(highest) ? highest : Number.MAX_VALUE;
  let x = target / linear;
  for (let step = 0; step < 200; step++) {
    let sum = 0;
    let slope = 0;
    for (let j = from; j < to; j++) {
      const c = cells[j]!;
      const b = base[c]!;
      if (b === 0) continue;
      const v = x * a[c]!;
      if (v <= lower) sum += b * lower;
      else if (v >= upper) sum += b * upper;
      else {
        sum += b * v;
        slope += b * a[c]!;
      }
    }
    if (Math.abs(sum - target) <= 1e-15 * target) return x;
    if (sum < target) lo = x;
    else hi = x;
    const next = slope > 0 ? x + (target - sum) / slope : Number.NaN;
    x = next > lo && next < hi ? next : (lo + hi) / 2;
    if (hi - lo <= 1e-16 * hi) return x;
  }
  return x;
}

/** The largest relative error of any margin category with a target or a base. */
function marginError(margins: RakeMargins, base: Float64Array, g: Float64Array, sums: Float64Array): number {
  let worst = 0;
  margins.category.forEach((category, m) => {
    const targets = margins.targets[m]!;
    sums.fill(0, 0, targets.length);
    for (let c = 0; c < category.length; c++) sums[category[c]!]! += base[c]! * g[c]!;
    for (let k = 0; k < targets.length; k++) {
      const target = targets[k]!;
      const error =
        target === 0 ? (sums[k] === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(sums[k]! - target) / target;
      if (error > worst) worst = error;
    }
  });
  return worst;
}

/**
 * Rakes cells with base totals `base` (the sum of the starting weights of each cell's rows) to the margins,
 * keeping every cell's g within the bounds. `start` (per cell, log scale: a close problem's `eta`) only
 * shortens the way: the solution is the same from any start.
 */
export function rake(
  margins: RakeMargins,
  base: Float64Array,
  settings: RakeSettings,
  start?: Float64Array,
): RakeResult {
  const cellCount = base.length;
  const members = membersOfMargins(margins);
  // a = exp(eta), the unbounded factor of each cell; each step multiplies a category's cells by its x.
  const a = start ? start.map(Math.exp) : new Float64Array(cellCount).fill(1);
  const g = new Float64Array(cellCount);
  const sums = new Float64Array(Math.max(...margins.targets.map((targets) => targets.length)));
  const result = (iterations: number, converged: boolean, maxError: number) => ({
    g,
    eta: a.map(Math.log),
    iterations,
    converged,
    maxError,
  });
  const clip = (value: number) => Math.min(settings.upper, Math.max(settings.lower, value));
  const update = () => {
    for (let c = 0; c < cellCount; c++) g[c] = base[c] === 0 ? 1 : clip(a[c]!);
  };
  let iterations = 0;
  let maxError = Number.POSITIVE_INFINITY;
  while (iterations < settings.maxIterations) {
    iterations++;
    for (let m = 0; m < members.length; m++) {
      const { start, cells } = members[m]!;
      const targets = margins.targets[m]!;
      for (let k = 0; k < targets.length; k++) {
        const from = start[k]!;
        const to = start[k + 1]!;
        if (from === to) continue;
        const x = solveCategory(cells, from, to, base, a, settings, targets[k]!);
        if (!(x > 0) || !Number.isFinite(x)) {
          update();
          return { ...result(iterations, false, maxError), unreachable: { margin: m, category: k } };
        }
        for (let j = from; j < to; j++) a[cells[j]!]! *= x;
      }
    }
    update();
    maxError = marginError(margins, base, g, sums);
    if (maxError <= settings.tolerance) return result(iterations, true, maxError);
  }
  return result(iterations, false, maxError);
}
