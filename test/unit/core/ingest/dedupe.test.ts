import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateTracker } from '../../../../core/ingest/dedupe.ts';

/** The duplicate rule written the obvious way, as the independent model. */
function keptByModel(rows: { org: string; at: number | null }[]): Set<number> {
  const best = new Map<string, number>();
  for (const [index, row] of rows.entries()) {
    const previous = best.get(row.org);
    if (previous === undefined) {
      best.set(row.org, index);
      continue;
    }
    const a = rows[previous]!.at ?? Number.NEGATIVE_INFINITY;
    const b = row.at ?? Number.NEGATIVE_INFINITY;
    if (b >= a) best.set(row.org, index);
  }
  return new Set(best.values());
}

describe('DuplicateTracker', () => {
  it('keeps the latest submission and, on a tie, the later row', () => {
    const tracker = new DuplicateTracker();
    expect(tracker.offer('00000000000000aa', 200, 0, 2)).toBe(-1);
    expect(tracker.offer('00000000000000aa', 100, 1, 3)).toBe(1);
    expect(tracker.offer('00000000000000aa', 200, 2, 4)).toBe(0);
    expect([0, 1, 2].map((i) => tracker.isLoser(i))).toEqual([true, true, false]);
    expect(tracker.keptRowOf('00000000000000aa')).toBe(4);
    expect(tracker.duplicates).toBe(2);
  });

  it('treats a missing submission time as older than any date', () => {
    const tracker = new DuplicateTracker();
    tracker.offer('0123456789abcdef', 5, 0, 2);
    tracker.offer('0123456789abcdef', null, 1, 3);
    expect(tracker.isLoser(1)).toBe(true);
    expect(tracker.isLoser(0)).toBe(false);
  });

  it('agrees with a plain Map model on arbitrary rows, presized or grown', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{16}$/);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            org: fc.oneof(hex, fc.constantFrom('aaaaaaaaaaaaaaaa', 'ffffffffffffffff')),
            at: fc.option(fc.integer({ min: 0, max: 5 })),
          }),
          {
            maxLength: 3000,
          },
        ),
        fc.boolean(),
        (rows, presized) => {
          const tracker = new DuplicateTracker(presized ? rows.length : 0);
          for (const [index, row] of rows.entries()) tracker.offer(row.org, row.at, index, index + 2);
          const kept = keptByModel(rows);
          for (const index of rows.keys()) expect(tracker.isLoser(index)).toBe(!kept.has(index));
          expect(tracker.duplicates).toBe(rows.length - kept.size);
        },
      ),
      { numRuns: 60 },
    );
  });
});
