// The population a generated wave samples, as a frame and as the true values of the sector-wide estimates
// (DESIGN.md "Sector-wide estimates"): every register organisation of the blocks the wave asked, whether it
// answered or not, counted when it exists by the wave's last financial year.
import { type FrameCell, SIZE_BANDS, type SizeBand } from '../../schemas/index.ts';
import { type Population, REGISTER_STRIDE, type RegisterFacts } from './population.ts';

/** The true value behind each row of sector_estimates. */
export interface SectorTruth {
  readonly sector: string;
  readonly organisations: number;
  readonly spinouts: number;
}

/** The true value behind each row of spinout_estimates: by parent body (region null), then by region. */
export interface SpinoutTruth {
  readonly parent_body: string | null;
  readonly region: string | null;
  readonly spinouts: number;
}

/** The true value behind each row of growth_estimates, and the sector's true median growth. */
export interface GrowthTruth {
  readonly sector: string;
  /** Organisations whose turnover is known for both years (all of them in the population). */
  readonly organisations: number;
  /** Share whose turnover in the wave's last financial year is greater than the year before. */
  readonly share_grew: number;
  /** Exact median of turnover / turnover_prev - 1. */
  readonly median_turnover_growth: number;
}

/** The population of a wave and the true value of every sector-wide estimate. */
export interface PopulationTruth {
  /** Register organisations per organisation the survey asked. */
  readonly registerStride: number;
  /** Organisations of the panel the wave asked (indexes 0 .. asked - 1); the register is stride × asked. */
  readonly asked: number;
  /** Organisations in the population (those of the register that exist by the wave's last financial year). */
  readonly organisations: number;
  /** The frame: organisations per region × legal form × size band, cells with none left out. */
  readonly frame: readonly FrameCell[];
  readonly sector_estimates: readonly SectorTruth[];
  readonly spinout_estimates: readonly SpinoutTruth[];
  readonly growth_estimates: readonly GrowthTruth[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The exact median of a non-empty array (sorted in place). */
function medianOf(values: Float64Array): number {
  values.sort();
  const mid = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** A growable array of doubles. */
class Doubles {
  values = new Float64Array(64);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** Every register organisation of the first `asked` blocks that exists in `wave`, as its facts. */
export function* registerOf(population: Population, asked: number, wave: number): Generator<RegisterFacts> {
  for (let block = 0; block < asked; block++) {
    for (let k = 0; k < REGISTER_STRIDE; k++) {
      const facts = population.registerFacts(block, k, wave);
      if (facts.exists) yield facts;
    }
  }
}

/** Counts the population of a wave that asked panel organisations 0 .. asked - 1. */
export function populationTruth(population: Population, asked: number, wave: number): PopulationTruth {
  const cells = new Map<string, number>();
  const sectors = new Map<string, { organisations: number; spinouts: number; grew: number; growth: Doubles }>();
  const parents = new Map<string, number>();
  const regions = new Map<string, number>();
  let organisations = 0;
  for (const facts of registerOf(population, asked, wave)) {
    organisations++;
    const key = `${facts.region}\u0000${facts.legalForm}\u0000${facts.sizeBand}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    let sector = sectors.get(facts.sector);
    if (!sector) {
      sector = { organisations: 0, spinouts: 0, grew: 0, growth: new Doubles() };
      sectors.set(facts.sector, sector);
    }
    sector.organisations++;
    if (facts.turnover > facts.turnoverPrev) sector.grew++;
    sector.growth.push(facts.turnover / facts.turnoverPrev - 1);
    if (facts.isSpinout) {
      sector.spinouts++;
      if (facts.parentBody !== null) parents.set(facts.parentBody, (parents.get(facts.parentBody) ?? 0) + 1);
      regions.set(facts.region, (regions.get(facts.region) ?? 0) + 1);
    }
  }
  const bandOrder = (band: SizeBand) => SIZE_BANDS.indexOf(band);
  const frame = [...cells.entries()]
    .map(([key, count]) => {
      const [region, legal_form, size_band] = key.split('\u0000') as [string, string, SizeBand];
      return { region, legal_form, size_band, organisations: count };
    })
    .sort(
      (a, b) =>
        byText(a.region, b.region) ||
        byText(a.legal_form, b.legal_form) ||
        bandOrder(a.size_band) - bandOrder(b.size_band),
    );
  const sectorNames = [...sectors.keys()].sort(byText);
  return {
    registerStride: REGISTER_STRIDE,
    asked,
    organisations,
    frame,
    sector_estimates: sectorNames.map((name) => {
      const s = sectors.get(name)!;
      return { sector: name, organisations: s.organisations, spinouts: s.spinouts };
    }),
    spinout_estimates: [
      ...[...parents.keys()]
        .sort(byText)
        .map((parent_body) => ({ parent_body, region: null, spinouts: parents.get(parent_body)! })),
      ...[...regions.keys()]
        .sort(byText)
        .map((region) => ({ parent_body: null, region, spinouts: regions.get(region)! })),
    ],
    growth_estimates: sectorNames.map((name) => {
      const s = sectors.get(name)!;
      return {
        sector: name,
        organisations: s.organisations,
        share_grew: s.grew / s.organisations,
        median_turnover_growth: medianOf(s.growth.values.subarray(0, s.growth.length)),
      };
    }),
  };
}
