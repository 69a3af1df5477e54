// Calibration weights of one wave and their delete-a-group jackknife replicates (JK1 with random groups,
// Kott's DAGJK): the rows are put in G groups at random (by a hash of response_id, so a wave always gets the
// same groups); replicate g leaves group g out, scales the other rows' starting weights by G / (G - 1) and is
// raked again to the same margins with the same bounds. The variance of an estimate is
// (G - 1) / G * sum over g of (estimate in replicate g - estimate)^2, as R's svrepdesign(type = "JK1") has it.
import { createHash } from 'node:crypto';
import { type SizeBand, type SurveyDefinition, sizeBand } from '../../schemas/index.ts';
import { type Frame, MARGINS, type Margin, marginCodes, WeightError } from './frame.ts';
import { type RakeMargins, rake } from './rake.ts';

/** One valid row of a wave as weighting reads it. */
export interface WeightInput {
  readonly responseId: string;
  readonly region: string | null;
  readonly legalForm: string;
  readonly employees: number | null;
}

/**
 * A category of a margin calibrated together with another (collapsing a category too small to weight on its
 * own, as Northern Ireland or Corsica can be in a small wave): its rows and its organisations count as `into`.
 */
export interface MergeRule {
  readonly margin: Margin;
  readonly from: string;
  readonly into: string;
}

/** Settings of a calibration. */
export interface CalibrateOptions {
  /** Categories calibrated together with another. @default none */
  readonly merge?: readonly MergeRule[];
  /** Bounds on each weight as multiples of the mean weight N / n. @default [0.2, 5] */
  readonly bounds?: readonly [number, number];
  /** Jackknife groups G (at most the number of rows). @default 100 */
  readonly replicates?: number;
  /** Relative error at which every margin counts as met. @default 1e-9 */
  readonly tolerance?: number;
  /** Passes over the margins before raking gives up. @default 1000 */
  readonly maxIterations?: number;
}

/** The defaults of {@link CalibrateOptions}. */
export const CALIBRATE_DEFAULTS = {
  bounds: [0.2, 5] as const,
  replicates: 100,
  tolerance: 1e-9,
  maxIterations: 1000,
};

/** How the calibration went, for the report. */
export interface CalibrationReport {
  /** Rows of the wave read. */
  readonly rows: number;
  /** Rows weighted: those with a known region and headcount. */
  readonly weighted: number;
  /** Rows left out, by the calibration variable they lack. */
  readonly leftOut: { readonly region: number; readonly employees: number };
  /** Organisations in the frame (the weights add up to it). */
  readonly population: number;
  /** Frame cells, and those of them no weighted row falls in (raking needs only the margins). */
  readonly frameCells: number;
  readonly emptyFrameCells: number;
  readonly bounds: readonly [number, number];
  readonly tolerance: number;
  /** Passes over the margins the calibrated weights took, and the most any replicate took. */
  readonly iterations: number;
  readonly replicateIterations: number;
  readonly converged: boolean;
  /** The largest relative error of a margin, over the weights and every replicate. */
  readonly maxMarginError: number;
  /** Weighted rows held at the lower and at the upper bound, and replicates in which a bound was reached. */
  readonly atLowerBound: number;
  readonly atUpperBound: number;
  readonly replicatesAtBound: number;
  /** Smallest and largest weight as multiples of the mean weight. */
  readonly weightRange: readonly [number, number];
  /** Kish's design effect of weighting, n * sum(w^2) / sum(w)^2 (1 + the squared coefficient of variation). */
  readonly designEffect: number;
  readonly method: string;
  /** The categories calibrated together with another, as "region FR-20R into FR-PAC". */
  readonly merged: readonly string[];
  /** Jackknife groups G; the replicates are 1..G. */
  readonly replicates: number;
  /** The variance factor (G - 1) / G of JK1. */
  readonly scale: number;
}

/**
 * Calibrated weights in compact form: every row's replicate-r weight is `cellWeights[r][cell[i]]`, or 0 when
 * `group[i] === r` (its group is the one replicate r leaves out). Replicate 0 is the calibrated weight.
 */
export interface WaveWeights {
  /** Indexes, into the input rows, of the rows weighted. */
  readonly rows: Int32Array;
  readonly responseIds: readonly string[];
  /** Per weighted row: its cell (region × legal form × size band) and jackknife group (1..G). */
  readonly cell: Int32Array;
  readonly group: Int32Array;
  /** Per replicate 0..G, per cell: the weight of a row of that cell not left out. */
  readonly cellWeights: readonly Float64Array[];
  readonly report: CalibrationReport;
}

/** A row's weight in replicate r. */
export function weightOf(weights: WaveWeights, r: number, i: number): number {
  return weights.group[i] === r ? 0 : weights.cellWeights[r]![weights.cell[i]!]!;
}

/** The jackknife groups 1..G of rows, by the rank of the SHA-256 of their response id (dealt round-robin). */
export function jackknifeGroups(responseIds: readonly string[], groups: number): Int32Array {
  const keyed = responseIds.map((id, i) => [createHash('sha256').update(id).digest('hex'), i] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  const group = new Int32Array(responseIds.length);
  keyed.forEach(([, i], rank) => {
    group[i] = (rank % groups) + 1;
  });
  return group;
}

function describe(margin: Margin, code: string): string {
  return `${margin}=${code}`;
}

/**
 * Rakes the rows of a wave to a frame's margins and builds the JK1 replicates. Refuses (WeightError) a frame
 * the wave cannot reach: a margin category of the frame with organisations but no weighted row, a weighted
 * row in a category the frame has no organisations in, a category whose rows all fall in one jackknife group,
 * or margins that cannot all be met within the bounds.
 */
export function calibrate(
  survey: SurveyDefinition,
  input: readonly WeightInput[],
  frame: Frame,
  options: CalibrateOptions = {},
): WaveWeights {
  const bounds = options.bounds ?? CALIBRATE_DEFAULTS.bounds;
  const tolerance = options.tolerance ?? CALIBRATE_DEFAULTS.tolerance;
  const maxIterations = options.maxIterations ?? CALIBRATE_DEFAULTS.maxIterations;
  const [low, high] = bounds;
  if (!(low >= 0 && low <= 1 && high >= 1 && Number.isFinite(low))) {
    throw new WeightError(`weight: bounds must be low,high with 0 <= low <= 1 <= high, got ${low},${high}`);
  }

  // Rows with every calibration variable known; the others cannot be placed in the frame.
  const rows: number[] = [];
  let noRegion = 0;
  let noEmployees = 0;
  input.forEach((row, i) => {
    if (row.region === null) noRegion++;
    else if (row.employees === null) noEmployees++;
    else rows.push(i);
  });
  const n = rows.length;
  if (n === 0) {
    throw new WeightError(
      `weight: the wave has no row with a known region and headcount to weight (${input.length} rows read)`,
    );
  }
  const groupsWanted = options.replicates ?? CALIBRATE_DEFAULTS.replicates;
  if (!Number.isInteger(groupsWanted) || groupsWanted < 2) {
    throw new WeightError(`weight: replicates must be a whole number >= 2, got ${groupsWanted}`);
  }
  const G = Math.min(groupsWanted, n);
  if (G < 2) throw new WeightError(`weight: a variance needs at least 2 weighted rows, got ${n}`);

  // Categories per margin, in code-list order; a row's cell is its category in each margin (after merges).
  const codes = MARGINS.map((margin) => marginCodes(survey, margin));
  const merges = MARGINS.map(() => new Map<string, string>());
  for (const rule of options.merge ?? []) {
    const m = MARGINS.indexOf(rule.margin);
    const known = codes[m] ?? [];
    for (const code of [rule.from, rule.into]) {
      if (!known.includes(code)) {
        throw new WeightError(`weight: cannot merge ${describe(rule.margin, code)}: not a code of survey ${survey.id}`);
      }
    }
    if (rule.from === rule.into || merges[m]!.has(rule.from)) {
      throw new WeightError(
        `weight: cannot merge ${describe(rule.margin, rule.from)} into ${rule.into}: each category merges once, into one that is not merged itself`,
      );
    }
    merges[m]!.set(rule.from, rule.into);
  }
  MARGINS.forEach((margin, m) => {
    for (const [from, into] of merges[m]!) {
      if (merges[m]!.has(into)) {
        throw new WeightError(
          `weight: cannot merge ${describe(margin, from)} into ${into}: each category merges once, into one that is not merged itself`,
        );
      }
    }
  });
  const merged = (m: number, code: string) => merges[m]!.get(code) ?? code;
  const codeOf = (i: number, m: number): string => {
    const row = input[i]!;
    return merged(m, m === 0 ? row.region! : m === 1 ? row.legalForm : sizeBand(row.employees!));
  };
  const categoryOf = (m: number, code: string) => codes[m]!.indexOf(code);
  const cellIndex = new Map<string, number>();
  const cellCategories: number[][] = MARGINS.map(() => []);
  const cell = new Int32Array(n);
  const responseIds: string[] = new Array(n);
  rows.forEach((i, r) => {
    const values = MARGINS.map((_, m) => codeOf(i, m));
    const key = values.join('\u0000');
    let c = cellIndex.get(key);
    if (c === undefined) {
      c = cellIndex.size;
      cellIndex.set(key, c);
      values.forEach((value, m) => {
        const k = categoryOf(m, value);
        if (k < 0) {
          throw new WeightError(
            `weight: a row has ${describe(MARGINS[m]!, value)}, which is not a code of survey ${survey.id}`,
          );
        }
        cellCategories[m]!.push(k);
      });
    }
    cell[r] = c;
    responseIds[r] = input[i]!.responseId;
  });
  const seen = new Set<string>();
  for (const id of responseIds) {
    if (!seen.has(id)) {
      seen.add(id);
      continue;
    }
    throw new WeightError(
      `weight: response_id ${JSON.stringify(id)} appears twice in the wave; weights need a unique response id per row`,
    );
  }
  const cells = cellIndex.size;
  const margins: RakeMargins = {
    category: cellCategories.map((list) => Int32Array.from(list)),
    targets: MARGINS.map((margin, m) => {
      const targets = new Float64Array(codes[m]!.length);
      for (const [code, total] of frame.margins[margin]) targets[categoryOf(m, merged(m, code))]! += total;
      return targets;
    }),
  };

  // What the wave cannot reach: checked per margin category, so the message can name it.
  const rowsIn = MARGINS.map((_, m) => new Float64Array(codes[m]!.length));
  const groupsIn = MARGINS.map((_, m) => codes[m]!.map(() => new Set<number>()));
  const group = jackknifeGroups(responseIds, G);
  for (let r = 0; r < n; r++) {
    for (let m = 0; m < MARGINS.length; m++) {
      const k = margins.category[m]![cell[r]!]!;
      rowsIn[m]![k]!++;
      groupsIn[m]![k]!.add(group[r]!);
    }
  }
  MARGINS.forEach((margin, m) => {
    codes[m]!.forEach((code, k) => {
      const target = margins.targets[m]![k]!;
      const count = rowsIn[m]![k]!;
      if (target > 0 && count === 0) {
        throw new WeightError(
          `weight: the frame has ${target} organisations in ${describe(margin, code)} but the wave has no weighted row there; the wave cannot reach this frame (merge the category into another: --merge ${margin}:${code}=<code>)`,
        );
      }
      if (target === 0 && count > 0) {
        throw new WeightError(
          `weight: the wave has ${count} weighted row(s) in ${describe(margin, code)} but the frame has no organisations there`,
        );
      }
      if (count > 0 && groupsIn[m]![k]!.size < 2) {
        throw new WeightError(
          `weight: ${describe(margin, code)} has ${count} weighted row(s), all in one jackknife group; a variance needs rows in at least two (merge the category into another: --merge ${margin}:${code}=<code>)`,
        );
      }
    });
  });

  const population = frame.organisations;
  const settings = { lower: low, upper: high, tolerance, maxIterations };
  const unreachable = (what: string, m: number, k: number): never => {
    throw new WeightError(
      `weight: ${what} cannot meet ${describe(MARGINS[m]!, codes[m]![k]!)} with weights within ${low}-${high} times the mean; widen --bounds`,
    );
  };
  const notConverged = (what: string, iterations: number, error: number): never => {
    throw new WeightError(
      `weight: raking ${what} did not converge in ${iterations} passes (largest margin error ${error.toExponential(2)}); the margins cannot all be met within the bounds ${low}-${high}`,
    );
  };

  // The calibrated weights: every row starts at N / n.
  const start = population / n;
  const counts = new Float64Array(cells);
  for (let r = 0; r < n; r++) counts[cell[r]!]!++;
  const main = rake(
    margins,
    counts.map((count) => count * start),
    settings,
  );
  if (main.unreachable) unreachable('the wave', main.unreachable.margin, main.unreachable.category);
  if (!main.converged) notConverged('the weights', main.iterations, main.maxError);
  const cellWeights: Float64Array[] = [main.g.map((g) => g * start)];

  // Replicate g: the rows of group g left out, the others starting at N / n * G / (G - 1).
  const perGroup = Array.from({ length: G + 1 }, () => new Float64Array(cells));
  for (let r = 0; r < n; r++) perGroup[group[r]!]![cell[r]!]!++;
  const replicateStart = (start * G) / (G - 1);
  let replicateIterations = 0;
  let replicatesAtBound = 0;
  let maxMarginError = main.maxError;
  const isAtBound = (g: number) => g <= low * (1 + 1e-12) || g >= high * (1 - 1e-12);
  for (let rep = 1; rep <= G; rep++) {
    const kept = counts.map((count, c) => (count - perGroup[rep]![c]!) * replicateStart);
    // Started from the calibrated weights' multipliers: a replicate is a small change of the same problem.
    const result = rake(margins, kept, settings, main.eta);
    if (result.unreachable) unreachable(`replicate ${rep}`, result.unreachable.margin, result.unreachable.category);
    if (!result.converged) notConverged(`replicate ${rep}`, result.iterations, result.maxError);
    replicateIterations = Math.max(replicateIterations, result.iterations);
    maxMarginError = Math.max(maxMarginError, result.maxError);
    if (result.g.some((g, c) => kept[c]! > 0 && isAtBound(g))) replicatesAtBound++;
    cellWeights.push(result.g.map((g, c) => (kept[c]! > 0 ? g * replicateStart : 0)));
  }

  let atLower = 0;
  let atUpper = 0;
  let sum = 0;
  let squares = 0;
  let smallest = Number.POSITIVE_INFINITY;
  let largest = 0;
  for (let r = 0; r < n; r++) {
    const g = main.g[cell[r]!]!;
    if (g <= low * (1 + 1e-12)) atLower++;
    if (g >= high * (1 - 1e-12)) atUpper++;
    const w = cellWeights[0]![cell[r]!]!;
    sum += w;
    squares += w * w;
    smallest = Math.min(smallest, w);
    largest = Math.max(largest, w);
  }
  const mean = sum / n;
  let emptyFrameCells = 0;
  for (const frameCell of frame.cells) {
    if (frameCell.organisations > 0) {
      const values = [frameCell.region, frameCell.legal_form, frameCell.size_band as SizeBand];
      const key = values.map((value, m) => merged(m, value)).join('\u0000');
      if (!cellIndex.has(key)) emptyFrameCells++;
    }
  }
  return {
    rows: Int32Array.from(rows),
    responseIds,
    cell,
    group,
    cellWeights,
    report: {
      rows: input.length,
      weighted: n,
      leftOut: { region: noRegion, employees: noEmployees },
      population,
      frameCells: frame.cells.length,
      emptyFrameCells,
      bounds: [low, high],
      tolerance,
      iterations: main.iterations,
      replicateIterations,
      converged: true,
      maxMarginError,
      atLowerBound: atLower,
      atUpperBound: atUpper,
      replicatesAtBound,
      weightRange: [smallest / mean, largest / mean],
      designEffect: (n * squares) / (sum * sum),
      method: `JK1 delete-a-group jackknife, ${G} random groups, each replicate raked again`,
      merged: MARGINS.flatMap((margin, m) =>
        [...merges[m]!].map(([from, into]) => `${margin.replace('_', ' ')} ${from} into ${into}`),
      ),
      replicates: G,
      scale: (G - 1) / G,
    },
  };
}
