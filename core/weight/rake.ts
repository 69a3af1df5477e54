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
 * The factor x by which to multiply exp(eta) of a category's cells so that sum b_c clip(x exp(eta_c), L, U)
 * equals `target`; NaN when no x reaches it (the target is beyond L or U times the category's base).
 */
function solveCategory(
  cells: Int32Array,
  from: number,
  to: number,
  base: Float64Array,
  eta: Float64Array,
  settings: RakeSettings,
  target: number,
  events: Float64Array,
  order: Int32Array,
): number {
  const { lower, upper } = settings;
  let linear = 0;
  let baseSum = 0;
  for (let j = from; j < to; j++) {
    const c = cells[j]!;
    const b = base[c]!;
    if (b === 0) continue;
    baseSum += b;
    linear += b * Math.exp(eta[c]!);
  }
  if (baseSum === 0) return target === 0 ? 1 : Number.NaN;
  if (lower === 0 && upper === Number.POSITIVE_INFINITY) return target / linear;
  if (target < lower * baseSum || target > upper * baseSum) return Number.NaN;
  // Sweep x upwards through the breakpoints where a cell leaves its lower bound (x = L / a) or reaches its
  // upper bound (x = U / a); between breakpoints the sum is constant + x * slope.
  let n = 0;
  for (let j = from; j < to; j++) {
    const c = cells[j]!;
    const b = base[c]!;
    if (b === 0) continue;
    const a = Math.exp(eta[c]!);
    events[2 * n] = lower / a;
    events[2 * n + 1] = upper / a;
    order[2 * n] = 2 * c;
    order[2 * n + 1] = 2 * c + 1;
    n++;
  }
  const count = 2 * n;
  const idx = Array.from({ length: count }, (_, i) => i).sort((p, q) => events[p]! - events[q]!);
  let constant = lower * baseSum;
  let slope = 0;
  for (const i of idx) {
    const x = events[i]!;
    if (x === Number.POSITIVE_INFINITY) break;
    const value = constant + slope * x;
    if (value >= target && slope > 0) return (target - constant) / slope;
    if (value >= target) return x;
    const code = order[i]!;
    const c = code >> 1;
    const b = base[c]!;
    const a = Math.exp(eta[c]!);
    if ((code & 1) === 0) {
      constant -= b * lower;
      slope += b * a;
    } else {
      slope -= b * a;
      constant += b * upper;
    }
  }
  return slope > 0 ? (target - constant) / slope : Number.NaN;
}

/** The largest relative error of any margin category with a target or a base. */
function marginError(margins: RakeMargins, base: Float64Array, g: Float64Array): number {
  let worst = 0;
  margins.category.forEach((category, m) => {
    const targets = margins.targets[m]!;
    const sums = new Float64Array(targets.length);
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
 * keeping every cell's g within the bounds.
 */
export function rake(margins: RakeMargins, base: Float64Array, settings: RakeSettings): RakeResult {
  const cellCount = base.length;
  const members = margins.category.map((category, m) => membersOf(category, margins.targets[m]!.length));
  const eta = new Float64Array(cellCount);
  const g = new Float64Array(cellCount);
  const events = new Float64Array(2 * cellCount);
  const order = new Int32Array(2 * cellCount);
  const clip = (value: number) => Math.min(settings.upper, Math.max(settings.lower, value));
  const update = () => {
    for (let c = 0; c < cellCount; c++) g[c] = base[c] === 0 ? 1 : clip(Math.exp(eta[c]!));
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
        const x = solveCategory(cells, from, to, base, eta, settings, targets[k]!, events, order);
        if (!(x > 0) || !Number.isFinite(x)) {
          update();
          return { g, iterations, converged: false, maxError, unreachable: { margin: m, category: k } };
        }
        const delta = Math.log(x);
        for (let j = from; j < to; j++) eta[cells[j]!]! += delta;
      }
    }
    update();
    maxError = marginError(margins, base, g);
    if (maxError <= settings.tolerance) return { g, iterations, converged: true, maxError };
  }
  return { g, iterations, converged: false, maxError };
}
