// Weighted estimates with their JK1 standard errors and 95% intervals, computed in process from compact
// weights: the same arithmetic as the weighted saved queries run in SQL over the weights table (a test holds
// the two equal), used where SQL would be slow, as in simulations of many samples.
import { type WaveWeights, weightOf } from './calibrate.ts';

/** The 97.5% quantile of the standard normal: 95% intervals are estimate ± Z95 × se. */
export const Z95 = 1.959963984540054;

/** An estimate, its standard error and its 95% interval (null when not defined). */
export interface Estimate {
  readonly estimate: number | null;
  readonly se: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/**
 * Totals of `y` over the rows of each domain (domain[i] in 0..D-1, or -1 for none), in every replicate:
 * result[r * D + d] is domain d's total in replicate r (0 = the calibrated weights).
 */
export function replicateTotals(
  weights: WaveWeights,
  y: ArrayLike<number>,
  domain: Int32Array,
  D: number,
): Float64Array {
  const G = weights.cellWeights.length - 1;
  const out = new Float64Array((G + 1) * D);
  // Sum y by (domain, cell) once; a replicate's total is then a weighted sum over those, less the rows of the
  // group it leaves out (each row is in exactly one group).
  const sums = new Map<number, number>();
  const cells = weights.cellWeights[0]!.length;
  for (let i = 0; i < domain.length; i++) {
    const d = domain[i]!;
    const v = y[i]!;
    if (d < 0 || v === 0) continue;
    const key = d * cells + weights.cell[i]!;
    sums.set(key, (sums.get(key) ?? 0) + v);
  }
  for (const [key, v] of sums) {
    const d = Math.floor(key / cells);
    const c = key - d * cells;
    for (let r = 0; r <= G; r++) out[r * D + d]! += weights.cellWeights[r]![c]! * v;
  }
  for (let i = 0; i < domain.length; i++) {
    const d = domain[i]!;
    const v = y[i]!;
    if (d < 0 || v === 0) continue;
    const r = weights.group[i]!;
    out[r * D + d]! -= weights.cellWeights[r]![weights.cell[i]!]! * v;
  }
  return out;
}

/** One domain's values over the replicates, from a replicateTotals-shaped array. */
export function column(values: Float64Array, D: number, d: number): Float64Array {
  const G = values.length / D - 1;
  return Float64Array.from({ length: G + 1 }, (_, r) => values[r * D + d]!);
}

/**
 * An estimate from its value in every replicate (index 0: the calibrated weights): JK1 variance
 * scale × Σ (θ_r − θ_0)², a normal 95% interval clipped to [min, max]. A replicate value that is not a number
 * (a ratio over nothing) leaves the standard error and interval undefined.
 */
export function fromReplicates(
  theta: ArrayLike<number>,
  scale: number,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): Estimate {
  const estimate = theta[0]!;
  if (!Number.isFinite(estimate)) return { estimate: null, se: null, ciLow: null, ciHigh: null };
  let sum = 0;
  for (let r = 1; r < theta.length; r++) {
    const diff = theta[r]! - estimate;
    if (!Number.isFinite(diff)) return { estimate, se: null, ciLow: null, ciHigh: null };
    sum += diff * diff;
  }
  const se = Math.sqrt(scale * sum);
  return {
    estimate,
    se,
    ciLow: Math.max(min, estimate - Z95 * se),
    ciHigh: Math.min(max, estimate + Z95 * se),
  };
}

/** The JK1 scale (G - 1) / G of compact weights. */
export function scaleOf(weights: WaveWeights): number {
  const G = weights.cellWeights.length - 1;
  return (G - 1) / G;
}

/** Weighted totals of y per domain with their standard errors and intervals (clipped at 0). */
export function totals(weights: WaveWeights, y: ArrayLike<number>, domain: Int32Array, D: number): Estimate[] {
  const t = replicateTotals(weights, y, domain, D);
  return Array.from({ length: D }, (_, d) => fromReplicates(column(t, D, d), scaleOf(weights)));
}

/**
 * Weighted shares per domain: Σ w·numerator / Σ w·known over the rows of the domain, in every replicate
 * (the ratio estimator, as svymean over the rows where the answer is known); intervals clipped to [0, 1].
 */
export function shares(
  weights: WaveWeights,
  numerator: ArrayLike<number>,
  known: ArrayLike<number>,
  domain: Int32Array,
  D: number,
): Estimate[] {
  const top = replicateTotals(weights, numerator, domain, D);
  const bottom = replicateTotals(weights, known, domain, D);
  return Array.from({ length: D }, (_, d) => {
    const theta = column(top, D, d).map((value, r) => value / bottom[r * D + d]!);
    return fromReplicates(theta, scaleOf(weights), 0, 1);
  });
}

/**
 * Totals by the categories of an answer that is sometimes unknown (the parent body of a spin-out): the total of
 * `y` over all rows, shared among the categories in proportion to the rows whose category is known
 * (category[i] = -1 when unknown), T_all × T_d / Σ_d T_d in every replicate, so the categories add up to T_all.
 */
export function allocatedTotals(
  weights: WaveWeights,
  y: ArrayLike<number>,
  category: Int32Array,
  D: number,
): Estimate[] {
  const byCategory = replicateTotals(weights, y, category, D);
  const all = replicateTotals(weights, y, new Int32Array(category.length), 1);
  const replicates = all.length;
  const known = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) for (let d = 0; d < D; d++) known[r]! += byCategory[r * D + d]!;
  return Array.from({ length: D }, (_, d) => {
    const theta = Float64Array.from({ length: replicates }, (_, r) => (all[r]! * byCategory[r * D + d]!) / known[r]!);
    return fromReplicates(theta, scaleOf(weights));
  });
}

/** The weight of every weighted row in every replicate, as rows × (G + 1) (for small checks and exports). */
export function weightMatrix(weights: WaveWeights): Float64Array[] {
  const G = weights.cellWeights.length - 1;
  return Array.from({ length: G + 1 }, (_, r) => Float64Array.from(weights.cell, (_, i) => weightOf(weights, r, i)));
}
