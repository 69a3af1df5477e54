import { describe, expect, it } from 'vitest';
import {
  allocatedTotals,
  calibrate,
  frameOf,
  fromReplicates,
  replicateTotals,
  shares,
  totals,
  weightMatrix,
  Z95,
} from '../../../../core/weight/index.ts';
import { getSurvey, sizeBand } from '../../../../schemas/index.ts';

const uk = getSurvey('uk-se');

/** A small calibrated wave: 150 rows, two regions, three sizes. */
function wave() {
  const rows = Array.from({ length: 150 }, (_, i) => ({
    responseId: `id-${i}`,
    region: i % 5 === 0 ? 'TLI' : 'TLC',
    legalForm: i % 4 === 0 ? 'charity' : 'cic',
    employees: [0, 5, 30][i % 3]!,
  }));
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = [row.region, row.legalForm, sizeBand(row.employees)].join(',');
    counts.set(key, (counts.get(key) ?? 0) + (row.employees === 0 ? 30 : 12));
  }
  const frame = frameOf(
    uk,
    [...counts].map(([key, organisations]) => {
      const [region, legal_form, size_band] = key.split(',') as [string, string, '0'];
      return { region, legal_form, size_band, organisations };
    }),
  );
  return calibrate(uk, rows, frame, { replicates: 12 });
}

describe('replicateTotals', () => {
  it('equals summing every row weight by replicate and domain, the long way', () => {
    const weights = wave();
    const n = weights.rows.length;
    const y = Float64Array.from({ length: n }, (_, i) => (i * 7) % 11);
    const domain = Int32Array.from({ length: n }, (_, i) => (i % 9 === 0 ? -1 : i % 4));
    const fast = replicateTotals(weights, y, domain, 4);
    const matrix = weightMatrix(weights);
    matrix.forEach((w, r) => {
      for (let d = 0; d < 4; d++) {
        let slow = 0;
        for (let i = 0; i < n; i++) if (domain[i] === d) slow += w[i]! * y[i]!;
        expect(fast[r * 4 + d]).toBeCloseTo(slow, 8);
      }
    });
  });
});

describe('fromReplicates', () => {
  it('takes the JK1 variance about the full-sample estimate and a clipped normal interval', () => {
    const estimate = fromReplicates([10, 11, 9, 10], 2 / 3);
    const se = Math.sqrt((2 / 3) * 2);
    expect(estimate.estimate).toBe(10);
    expect(estimate.se).toBeCloseTo(se, 15);
    expect(estimate.ciLow).toBeCloseTo(10 - Z95 * se, 12);
    expect(estimate.ciHigh).toBeCloseTo(10 + Z95 * se, 12);
    expect(fromReplicates([1, 4, -2], 1).ciLow).toBe(0);
    expect(fromReplicates([0.9, 1.2, 0.6], 1, 0, 1).ciHigh).toBe(1);
  });

  it('leaves the standard error undefined when a replicate has no value (a share of nobody)', () => {
    expect(fromReplicates([0.5, 0.4, Number.NaN], 0.5)).toEqual({ estimate: 0.5, se: null, ciLow: null, ciHigh: null });
    expect(fromReplicates([Number.NaN, 1], 0.5).estimate).toBeNull();
  });
});

describe('the estimators', () => {
  const weights = wave();
  const n = weights.rows.length;
  const all = new Int32Array(n);

  it('estimate the frame total exactly (zero variance) when the variable is every organisation', () => {
    const [total] = totals(weights, new Float64Array(n).fill(1), all, 1);
    const frameTotal = weightMatrix(weights)[0]!.reduce((a, b) => a + b, 0);
    expect(total!.estimate).toBeCloseTo(frameTotal, 6);
    expect(total!.se!).toBeLessThan(1e-6 * frameTotal);
  });

  it('take a share as a ratio of weighted totals in every replicate', () => {
    const known = Float64Array.from({ length: n }, (_, i) => (i % 6 === 0 ? 0 : 1));
    const yes = Float64Array.from({ length: n }, (_, i) => (known[i] && i % 2 === 0 ? 1 : 0));
    const [share] = shares(weights, yes, known, all, 1);
    const matrix = weightMatrix(weights);
    const ratio = (w: Float64Array) => {
      let top = 0;
      let bottom = 0;
      for (let i = 0; i < n; i++) {
        top += w[i]! * yes[i]!;
        bottom += w[i]! * known[i]!;
      }
      return top / bottom;
    };
    const theta = matrix.map(ratio);
    const G = matrix.length - 1;
    const variance = ((G - 1) / G) * theta.slice(1).reduce((sum, t) => sum + (t - theta[0]!) ** 2, 0);
    expect(share!.estimate).toBeCloseTo(theta[0]!, 12);
    expect(share!.se).toBeCloseTo(Math.sqrt(variance), 12);
  });

  it('share the total of rows of unknown category among the known categories, adding up to the total', () => {
    const y = new Float64Array(n).fill(1);
    const category = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? -1 : i % 3));
    const parts = allocatedTotals(weights, y, category, 3);
    const [whole] = totals(weights, y, all, 1);
    const sum = parts.reduce((s, part) => s + part.estimate!, 0);
    expect(sum).toBeCloseTo(whole!.estimate!, 6);
  });
});
