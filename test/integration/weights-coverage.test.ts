// Coverage by simulation (DESIGN.md "Sector-wide estimates"): 200 samples drawn from one generated population
// with the generator's non-response (size and region) and item non-response, each calibrated with the same code
// as survey weight and estimated in process (held equal to the SQL by weights-sql.test.ts). The 95% intervals
// of the well-populated groups must cover the population's true values for 93-97% of (sample, group) pairs, and
// the weighted estimates must be less biased than the unweighted sample on what the non-response skews.
import { describe, expect, it } from 'vitest';
import { type SimulationResult, simulateCoverage } from '../helpers/coverage-simulation.ts';

describe('the weighted estimates over 200 samples of one generated population', () => {
  let result: SimulationResult;
  const simulate = () => {
    result ??= simulateCoverage({ survey: 'uk-se', wave: 2023, seed: 11, asked: 3000, samples: 200 });
    return result;
  };

  it('cover the true value with their 95% intervals for 93-97% of (sample, group) pairs', () => {
    const { coverage, pairs, refused, families } = simulate();
    expect(refused).toBe(0);
    expect(pairs).toBeGreaterThan(5000);
    // Every estimate of the three queries takes part.
    expect(families.map((family) => family.groups).every((groups) => groups >= 2)).toBe(true);
    expect(coverage).toBeGreaterThanOrEqual(0.93);
    expect(coverage).toBeLessThanOrEqual(0.97);
  });

  it('meet non-response that skews the sample towards large organisations', () => {
    const skew = simulate().skew.filter((category) => category.margin === 'size_band');
    const small = skew.filter((category) => category.category === '0' || category.category === '1-9');
    const sampleSmall = small.reduce((sum, category) => sum + category.sampleShare, 0);
    const populationSmall = small.reduce((sum, category) => sum + category.populationShare, 0);
    expect(sampleSmall).toBeLessThan(populationSmall * 0.85);
  });

  it('are less biased than the unweighted sample, by a wide margin where the skew bites', () => {
    const { families } = simulate();
    for (const family of families) {
      expect(family.weightedBias, family.name).toBeLessThan(family.unweightedBias);
    }
    // Spin-outs are larger than other organisations and answer more: unweighted counts overstate them.
    for (const name of ['spin-outs by sector', 'spin-outs by region', 'spin-outs by parent body']) {
      const family = families.find((candidate) => candidate.name === name)!;
      expect(family.unweightedBias, name).toBeGreaterThan(0.1);
      expect(family.weightedBias, name).toBeLessThan(0.03);
    }
  });
});
