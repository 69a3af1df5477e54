// Coverage and bias by simulation: many samples from one generated population, drawn as the generator draws
// a wave (one organisation in REGISTER_STRIDE asked, each answering with its propensity, items missing at the
// generator's rates), each weighted with the same calibration code as survey weight and estimated in process
// (core/weight/estimate.ts, which a test holds equal to the weighted saved queries). For each estimate of the
// three weighted queries it counts how often the 95% interval covers the population's true value, and
// compares the weighted estimates' bias with the unweighted sample's (scaled to the population).
import {
  ITEM_MISSING,
  Population,
  populationTruth,
  REGISTER_STRIDE,
  type RegisterFacts,
  registerOf,
} from '../../core/generate/index.ts';
import { Rng } from '../../core/generate/random.ts';
import {
  allocatedTotals,
  calibrate,
  type Estimate,
  frameOf,
  type MergeRule,
  shares,
  totals,
  type WeightInput,
} from '../../core/weight/index.ts';
import { getSurvey, LEGAL_FORMS, PARENT_BODIES, SECTORS, SIZE_BANDS } from '../../schemas/index.ts';

/** What to simulate. */
export interface SimulationOptions {
  readonly survey: string;
  readonly wave: number;
  /** The population's seed (one population for every sample). */
  readonly seed: number;
  /** Panel organisations asked: the population is REGISTER_STRIDE times as many register organisations. */
  readonly asked: number;
  readonly samples: number;
  /** Jackknife groups. @default 100 */
  readonly replicates?: number;
  /** A group counts as well populated when it expects at least this many contributing respondents. @default 30 */
  readonly minExpected?: number;
  /** Categories calibrated together with another (small overseas regions). @default none */
  readonly merge?: readonly MergeRule[];
}

/** One kind of estimate over the well-populated groups and every sample. */
export interface FamilyResult {
  readonly name: string;
  readonly groups: number;
  /** (sample, group) pairs, and those whose 95% interval covers the true value. */
  readonly pairs: number;
  readonly covered: number;
  /** Mean over groups of |mean estimate − truth| / truth: weighted, and the unweighted sample's. */
  readonly weightedBias: number;
  readonly unweightedBias: number;
}

/** The non-response skew of one calibration category: its population share and mean unweighted sample share. */
export interface SkewResult {
  readonly margin: string;
  readonly category: string;
  readonly populationShare: number;
  readonly sampleShare: number;
}

/** The outcome of a simulation. */
export interface SimulationResult {
  readonly population: number;
  readonly samples: number;
  /** Samples the weighting refused (a frame the sample could not reach); not in the figures. */
  readonly refused: number;
  readonly meanWeighted: number;
  readonly pairs: number;
  readonly covered: number;
  readonly coverage: number;
  readonly families: readonly FamilyResult[];
  readonly skew: readonly SkewResult[];
}

/** Accumulates one family's pairs and per-group sums of estimates. */
class Family {
  pairs = 0;
  covered = 0;
  readonly weighted: Float64Array;
  readonly unweighted: Float64Array;
  readonly counts: Float64Array;
  constructor(
    readonly name: string,
    readonly keys: readonly string[],
    readonly truth: readonly number[],
    readonly expected: readonly number[],
    readonly minExpected: number,
  ) {
    this.weighted = new Float64Array(keys.length);
    this.unweighted = new Float64Array(keys.length);
    this.counts = new Float64Array(keys.length);
  }

  /** Records one sample's estimates (weighted with intervals, and the unweighted estimate) for every group. */
  add(estimates: readonly Estimate[], unweighted: readonly number[]): void {
    estimates.forEach((estimate, g) => {
      if (this.expected[g]! < this.minExpected || estimate.estimate === null) return;
      const truth = this.truth[g]!;
      this.pairs++;
      if (estimate.ciLow !== null && estimate.ciHigh !== null && estimate.ciLow <= truth && truth <= estimate.ciHigh) {
        this.covered++;
      }
      this.weighted[g]! += estimate.estimate;
      this.unweighted[g]! += unweighted[g]!;
      this.counts[g]!++;
    });
  }

  result(): FamilyResult {
    let groups = 0;
    let weighted = 0;
    let unweighted = 0;
    this.keys.forEach((_, g) => {
      const n = this.counts[g]!;
      if (n === 0) return;
      const truth = this.truth[g]!;
      groups++;
      weighted += Math.abs(this.weighted[g]! / n - truth) / truth;
      unweighted += Math.abs(this.unweighted[g]! / n - truth) / truth;
    });
    return {
      name: this.name,
      groups,
      pairs: this.pairs,
      covered: this.covered,
      weightedBias: weighted / groups,
      unweightedBias: unweighted / groups,
    };
  }
}

const index = (codes: readonly string[]) => new Map(codes.map((code, i) => [code, i]));

/** Runs the simulation. */
export function simulateCoverage(options: SimulationOptions): SimulationResult {
  const survey = getSurvey(options.survey);
  const { wave } = options;
  const minExpected = options.minExpected ?? 30;
  const population = new Population(survey, options.seed);
  const register: RegisterFacts[] = [...registerOf(population, options.asked, wave)];
  const truth = populationTruth(population, options.asked, wave);
  const frame = frameOf(survey, truth.frame);
  const N = truth.organisations;

  const sectors = SECTORS.map((entry) => entry.code);
  const parents = PARENT_BODIES.map((entry) => entry.code);
  const regions = survey.regions.map((entry) => entry.code);
  const sectorAt = index(sectors);
  const parentAt = index(parents);
  const regionAt = index(regions);
  const truthOf = <T extends object>(rows: readonly T[], key: (row: T) => string | null, value: (row: T) => number) => {
    return (codes: readonly string[]) =>
      codes.map((code) => {
        const row = rows.find((candidate) => key(candidate) === code);
        return row ? value(row) : 0;
      });
  };
  // Expected contributing respondents per group: Σ π over the group, times the chance its items are known.
  const weightable = (1 - ITEM_MISSING.region) * (1 - ITEM_MISSING.employees);
  const growthKnown = (1 - ITEM_MISSING.turnover) * (1 - ITEM_MISSING.turnover_prev);
  const expect = (codes: readonly string[], key: (f: RegisterFacts) => string | null, factor: number) => {
    const sums = new Float64Array(codes.length);
    const at = index(codes);
    for (const facts of register) {
      const code = key(facts);
      const g = code === null ? undefined : at.get(code);
      if (g !== undefined) sums[g]! += (facts.propensity / REGISTER_STRIDE) * factor;
    }
    return [...sums];
  };
  const families = {
    organisations: new Family(
      'organisations by sector',
      sectors,
      truthOf(
        truth.sector_estimates,
        (r) => r.sector,
        (r) => r.organisations,
      )(sectors),
      expect(sectors, (f) => f.sector, weightable),
      minExpected,
    ),
    spinouts: new Family(
      'spin-outs by sector',
      sectors,
      truthOf(
        truth.sector_estimates,
        (r) => r.sector,
        (r) => r.spinouts,
      )(sectors),
      expect(sectors, (f) => (f.isSpinout ? f.sector : null), weightable),
      minExpected,
    ),
    parents: new Family(
      'spin-outs by parent body',
      parents,
      truthOf(
        truth.spinout_estimates,
        (r) => r.parent_body,
        (r) => r.spinouts,
      )(parents),
      expect(parents, (f) => f.parentBody, weightable * (1 - ITEM_MISSING.parent_body)),
      minExpected,
    ),
    regions: new Family(
      'spin-outs by region',
      regions,
      truthOf(
        truth.spinout_estimates,
        (r) => r.region,
        (r) => r.spinouts,
      )(regions),
      expect(regions, (f) => (f.isSpinout ? f.region : null), weightable),
      minExpected,
    ),
    grew: new Family(
      'share whose turnover grew, by sector',
      sectors,
      truthOf(
        truth.growth_estimates,
        (r) => r.sector,
        (r) => r.share_grew,
      )(sectors),
      expect(sectors, (f) => f.sector, weightable * growthKnown),
      minExpected,
    ),
  };

  // The skew of the calibration margins: population shares, and the unweighted samples' mean shares.
  const margins: [string, readonly string[], (f: RegisterFacts) => string][] = [
    ['size_band', SIZE_BANDS, (f) => f.sizeBand],
    ['region', regions, (f) => f.region],
    ['legal_form', LEGAL_FORMS.map((entry) => entry.code), (f) => f.legalForm],
  ];
  const skewSums = margins.map(([, codes]) => new Float64Array(codes.length));
  const populationShares = margins.map(([, codes, key]) => {
    const counts = new Float64Array(codes.length);
    const at = index(codes);
    for (const facts of register) counts[at.get(key(facts))!]!++;
    return counts.map((count) => count / register.length);
  });

  const rng = new Rng(options.seed * 7919 + 17);
  let refused = 0;
  let weightedRows = 0;
  for (let s = 0; s < options.samples; s++) {
    const sample: RegisterFacts[] = [];
    for (const facts of register) if (rng.next() < facts.propensity / REGISTER_STRIDE) sample.push(facts);
    const rows: WeightInput[] = [];
    const items: { facts: RegisterFacts; parentKnown: boolean; turnoverKnown: boolean }[] = [];
    sample.forEach((facts, i) => {
      const regionKnown = rng.next() >= ITEM_MISSING.region;
      const employeesKnown = rng.next() >= ITEM_MISSING.employees;
      const turnoverKnown = rng.next() >= ITEM_MISSING.turnover && rng.next() >= ITEM_MISSING.turnover_prev;
      const parentKnown = rng.next() >= ITEM_MISSING.parent_body;
      rows.push({
        responseId: `s${s}-${i}`,
        region: regionKnown ? facts.region : null,
        legalForm: facts.legalForm,
        employees: employeesKnown ? facts.employees : null,
      });
      items.push({ facts, parentKnown, turnoverKnown });
    });
    let weights: ReturnType<typeof calibrate>;
    try {
      weights = calibrate(survey, rows, frame, { replicates: options.replicates ?? 100, merge: options.merge ?? [] });
    } catch {
      refused++;
      continue;
    }
    const n = weights.rows.length;
    weightedRows += n;
    const kept = Array.from(weights.rows, (i) => items[i]!);
    margins.forEach(([, codes, key], m) => {
      const at = index(codes);
      for (const { facts } of kept) skewSums[m]![at.get(key(facts))!]! += 1 / n;
    });
    const ones = new Float64Array(n).fill(1);
    const spin = Float64Array.from(kept, (k) => (k.facts.isSpinout ? 1 : 0));
    const sector = Int32Array.from(kept, (k) => sectorAt.get(k.facts.sector)!);
    const region = Int32Array.from(kept, (k) => regionAt.get(k.facts.region)!);
    const parent = Int32Array.from(kept, (k) =>
      k.facts.isSpinout && k.facts.parentBody !== null && k.parentKnown ? parentAt.get(k.facts.parentBody)! : -1,
    );
    const known = Float64Array.from(kept, (k) => (k.turnoverKnown ? 1 : 0));
    const grew = Float64Array.from(kept, (k) => (k.turnoverKnown && k.facts.turnover > k.facts.turnoverPrev ? 1 : 0));

    // The unweighted sample, scaled to the population: every respondent stands for N / n organisations.
    const count = (y: ArrayLike<number>, domain: Int32Array, D: number) => {
      const sums = new Float64Array(D);
      for (let i = 0; i < n; i++) if (domain[i]! >= 0) sums[domain[i]!]! += y[i]!;
      return sums;
    };
    const expand = (sums: Float64Array) => [...sums].map((sum) => (sum * N) / n);
    const spinBySector = count(spin, sector, sectors.length);
    const byParent = count(spin, parent, parents.length);
    const parentKnown = byParent.reduce((a, b) => a + b, 0);
    const allSpin = spin.reduce((a, b) => a + b, 0);
    const grewBySector = count(grew, sector, sectors.length);
    const knownBySector = count(known, sector, sectors.length);

    families.organisations.add(
      totals(weights, ones, sector, sectors.length),
      expand(count(ones, sector, sectors.length)),
    );
    families.spinouts.add(totals(weights, spin, sector, sectors.length), expand(spinBySector));
    families.parents.add(
      allocatedTotals(weights, spin, parent, parents.length),
      [...byParent].map((c) => (((allSpin * N) / n) * c) / parentKnown),
    );
    families.regions.add(totals(weights, spin, region, regions.length), expand(count(spin, region, regions.length)));
    families.grew.add(
      shares(weights, grew, known, sector, sectors.length),
      [...grewBySector].map((g, d) => g / knownBySector[d]!),
    );
  }
  const results = Object.values(families).map((family) => family.result());
  const pairs = results.reduce((sum, f) => sum + f.pairs, 0);
  const covered = results.reduce((sum, f) => sum + f.covered, 0);
  const done = options.samples - refused;
  return {
    population: N,
    samples: options.samples,
    refused,
    meanWeighted: weightedRows / done,
    pairs,
    covered,
    coverage: covered / pairs,
    families: results,
    skew: margins.flatMap(([margin, codes], m) =>
      codes.map((category, k) => ({
        margin,
        category,
        populationShare: populationShares[m]![k]!,
        sampleShare: skewSums[m]![k]! / done,
      })),
    ),
  };
}
