import { describe, expect, it } from 'vitest';
import {
  calibrate,
  type Frame,
  frameOf,
  jackknifeGroups,
  WeightError,
  type WeightInput,
  weightOf,
} from '../../../../core/weight/index.ts';
import { type FrameCell, getSurvey, sizeBand } from '../../../../schemas/index.ts';

const uk = getSurvey('uk-se');
const REGIONS = ['TLC', 'TLD', 'TLI'];
const FORMS = ['cic', 'charity', 'cooperative'];
const HEADCOUNTS = [0, 4, 20, 120];

/** 240 rows over 3 regions × 3 legal forms × 4 sizes, with a few rows missing a region or a headcount. */
function sample(): WeightInput[] {
  const rows: WeightInput[] = [];
  for (let i = 0; i < 240; i++) {
    rows.push({
      responseId: `R${i}`,
      region: i % 37 === 5 ? null : REGIONS[i % 3]!,
      legalForm: FORMS[Math.floor(i / 3) % 3]!,
      employees: i % 41 === 7 ? null : HEADCOUNTS[Math.floor(i / 9) % 4]!,
    });
  }
  return rows;
}

/** A frame whose cells hold about ten organisations per row of the sample, more in London and in small sizes. */
function frameFor(rows: readonly WeightInput[]): Frame {
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (row.region === null || row.employees === null) continue;
    const key = `${row.region},${row.legalForm},${sizeBand(row.employees)}`;
    const factor = (row.region === 'TLI' ? 14 : 9) + (row.employees < 10 ? 4 : 0);
    counts.set(key, (counts.get(key) ?? 0) + factor);
  }
  const cells: FrameCell[] = [...counts].map(([key, organisations]) => {
    const [region, legal_form, size_band] = key.split(',') as [string, string, FrameCell['size_band']];
    return { region, legal_form, size_band, organisations };
  });
  return frameOf(uk, cells);
}

/** The one-line refusal of calibrate. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WeightError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('calibrate', () => {
  const rows = sample();
  const frame = frameFor(rows);
  const weights = calibrate(uk, rows, frame, { replicates: 20 });
  const n = weights.rows.length;

  it('weights the rows with a region and a headcount, and says how many it left out and why', () => {
    const unplaced = rows.filter((row) => row.region === null || row.employees === null).length;
    expect(n).toBe(rows.length - unplaced);
    expect(weights.report.leftOut.region + weights.report.leftOut.employees).toBe(unplaced);
    expect(weights.report.leftOut.region).toBe(rows.filter((row) => row.region === null).length);
  });

  it('meets every margin of the frame, in the weights and in every replicate', () => {
    for (let r = 0; r <= weights.report.replicates; r++) {
      for (const [margin, key] of [
        ['region', (row: WeightInput) => row.region!],
        ['legal_form', (row: WeightInput) => row.legalForm],
        ['size_band', (row: WeightInput) => sizeBand(row.employees!)],
      ] as const) {
        const totals = new Map<string, number>();
        weights.rows.forEach((at, i) => {
          const code = key(rows[at]!);
          totals.set(code, (totals.get(code) ?? 0) + weightOf(weights, r, i));
        });
        for (const [code, target] of frame.margins[margin]) {
          expect(Math.abs(totals.get(code)! - target) / target, `replicate ${r} ${margin}=${code}`).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('leaves out exactly one jackknife group per replicate, groups of nearly equal size', () => {
    const G = weights.report.replicates;
    expect(G).toBe(20);
    const sizes = new Array<number>(G + 1).fill(0);
    weights.group.forEach((g) => {
      sizes[g]!++;
    });
    expect(sizes[0]).toBe(0);
    expect(Math.max(...sizes.slice(1)) - Math.min(...sizes.slice(1))).toBeLessThanOrEqual(1);
    for (let r = 1; r <= G; r++) {
      weights.group.forEach((g, i) => {
        expect(weightOf(weights, r, i) === 0).toBe(g === r);
      });
    }
    expect(weights.report.scale).toBeCloseTo(19 / 20, 15);
  });

  it('gives every row the same group whatever the order of the rows', () => {
    const ids = weights.responseIds;
    const groups = jackknifeGroups(ids, 20);
    const reversed = jackknifeGroups([...ids].reverse(), 20);
    ids.forEach((_, i) => {
      expect(reversed[ids.length - 1 - i]).toBe(groups[i]);
    });
  });

  it('reports the design effect, the weight range and the convergence it reached', () => {
    const w = Array.from({ length: n }, (_, i) => weightOf(weights, 0, i));
    const sum = w.reduce((a, b) => a + b, 0);
    const squares = w.reduce((a, b) => a + b * b, 0);
    expect(sum).toBeCloseTo(frame.organisations, 6);
    expect(weights.report.designEffect).toBeCloseTo((n * squares) / (sum * sum), 12);
    expect(weights.report.designEffect).toBeGreaterThan(1);
    expect(weights.report.weightRange[0]).toBeCloseTo(Math.min(...w) / (sum / n), 12);
    expect(weights.report.weightRange[1]).toBeCloseTo(Math.max(...w) / (sum / n), 12);
    expect(weights.report.converged).toBe(true);
    expect(weights.report.iterations).toBeGreaterThan(1);
    expect(weights.report.maxMarginError).toBeLessThanOrEqual(1e-9);
  });

  it('holds weights at a bound when told to, and says how many', () => {
    // An upper bound just under the largest unbounded weight: the largest weights are held there.
    const low = 0.2;
    const high = weights.report.weightRange[1] * 0.99;
    const bounded = calibrate(uk, rows, frame, { replicates: 20, bounds: [low, high] });
    const mean = frame.organisations / n;
    const held = bounded.report.atLowerBound + bounded.report.atUpperBound;
    expect(held).toBeGreaterThan(0);
    const w = Array.from({ length: n }, (_, i) => weightOf(bounded, 0, i) / mean);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(low * (1 - 1e-12));
    expect(Math.max(...w)).toBeLessThanOrEqual(high * (1 + 1e-12));
    expect(w.filter((x) => Math.abs(x - low) < 1e-9 * low || Math.abs(x - high) < 1e-9 * high)).toHaveLength(held);
  });

  it('refuses a frame the wave cannot reach, in one line naming the category', () => {
    const withNorthEast = frameOf(uk, [
      ...frame.cells,
      { region: 'TLN', legal_form: 'cic', size_band: '0', organisations: 50 },
    ]);
    expect(refusal(() => calibrate(uk, rows, withNorthEast))).toBe(
      'weight: the frame has 50 organisations in region=TLN but the wave has no weighted row there; the wave cannot reach this frame (merge the category into another: --merge region:TLN=<code>)',
    );
    const noLondon = frameOf(
      uk,
      frame.cells.filter((cell) => cell.region !== 'TLI'),
    );
    expect(refusal(() => calibrate(uk, rows, noLondon))).toMatch(
      /^weight: the wave has \d+ weighted row\(s\) in region=TLI but the frame has no organisations there$/,
    );
  });

  it('refuses a category whose rows all fall in one jackknife group, a repeated response id and no rows', () => {
    const lonely = [...rows, { responseId: 'X', region: 'TLN', legalForm: 'cic', employees: 3 }];
    const lonelyFrame = frameOf(uk, [
      ...frameFor(rows).cells,
      { region: 'TLN', legal_form: 'cic', size_band: '1-9', organisations: 4 },
    ]);
    expect(refusal(() => calibrate(uk, lonely, lonelyFrame))).toBe(
      'weight: region=TLN has 1 weighted row(s), all in one jackknife group; a variance needs rows in at least two (merge the category into another: --merge region:TLN=<code>)',
    );
    // Calibrated together with London, the lone row can be weighted.
    const merged = calibrate(uk, lonely, lonelyFrame, { merge: [{ margin: 'region', from: 'TLN', into: 'TLI' }] });
    expect(merged.report.merged).toEqual(['region TLN into TLI']);
    let london = 0;
    merged.rows.forEach((at, i) => {
      if (lonely[at]!.region === 'TLI' || lonely[at]!.region === 'TLN') london += weightOf(merged, 0, i);
    });
    const target = lonelyFrame.margins.region.get('TLI')! + lonelyFrame.margins.region.get('TLN')!;
    expect(Math.abs(london - target) / target).toBeLessThan(1e-9);
    expect(
      refusal(() => calibrate(uk, lonely, lonelyFrame, { merge: [{ margin: 'region', from: 'TLN', into: 'TLZ' }] })),
    ).toBe('weight: cannot merge region=TLZ: not a code of survey uk-se');
    expect(
      refusal(() =>
        calibrate(uk, lonely, lonelyFrame, {
          merge: [
            { margin: 'region', from: 'TLN', into: 'TLI' },
            { margin: 'region', from: 'TLI', into: 'TLC' },
          ],
        }),
      ),
    ).toMatch(/each category merges once, into one that is not merged itself/);
    expect(refusal(() => calibrate(uk, [...rows, { ...rows[0]! }], frame))).toMatch(
      /^weight: response_id "R0" appears twice in the wave/,
    );
    expect(
      refusal(() => calibrate(uk, [{ responseId: 'a', region: null, legalForm: 'cic', employees: 1 }], frame)),
    ).toMatch(/no row with a known region and headcount/);
  });

  it('refuses bounds that cannot hold the margins, saying to widen them', () => {
    expect(refusal(() => calibrate(uk, rows, frame, { bounds: [0.99, 1.01] }))).toMatch(
      /cannot meet .+ with weights within 0\.99-1\.01 times the mean; widen --bounds$/,
    );
    expect(refusal(() => calibrate(uk, rows, frame, { bounds: [2, 5] }))).toMatch(/bounds must be low,high/);
  });
});
