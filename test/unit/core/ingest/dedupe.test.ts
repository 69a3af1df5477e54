import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuplicateOutcome, DuplicateTracker } from '../../../../core/ingest/dedupe.ts';

interface Row {
  org: string;
  at: number | null;
}

/** The duplicate rule written the obvious way, as the independent model: each organisation's kept spool index. */
function keptByModel(rows: Row[]): Map<string, number> {
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
  return best;
}

/** Row numbers deliberately differ from spool indexes, as in a file with blank and invalid rows. */
const rowNumberOf = (index: number) => index * 3 + 2;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dedupe-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Offers rows in file order and applies the rule. */
async function run(rows: Row[], options: { bucketRows?: number; expectedRows?: number } = {}) {
  const tracker = new DuplicateTracker({ dir, ...options });
  for (const [index, row] of rows.entries()) tracker.offer(row.org, row.at, index, rowNumberOf(index));
  return tracker.finish();
}

/** Checks an outcome against the model, row by row (compared as whole arrays: one expect, fast on big inputs). */
function expectModel(rows: Row[], outcome: DuplicateOutcome): void {
  const kept = keptByModel(rows);
  const keptIndexes = new Set(kept.values());
  const expected = rows.map((row, index) =>
    keptIndexes.has(index) ? undefined : { orgId: row.org, keptRow: rowNumberOf(kept.get(row.org)!) },
  );
  expect(rows.map((_, index) => outcome.loser(index))).toEqual(expected);
  expect(rows.map((_, index) => outcome.isLoser(index))).toEqual(expected.map((loser) => loser !== undefined));
  expect(outcome.duplicates).toBe(rows.length - kept.size);
}

describe('DuplicateTracker', () => {
  it('keeps the latest submission and, on a tie, the later row', async () => {
    const outcome = await run([
      { org: '00000000000000aa', at: 200 },
      { org: '00000000000000aa', at: 100 },
      { org: '00000000000000aa', at: 200 },
    ]);
    expect([0, 1, 2].map((i) => outcome.isLoser(i))).toEqual([true, true, false]);
    expect(outcome.loser(0)).toEqual({ orgId: '00000000000000aa', keptRow: 8 });
    expect(outcome.loser(2)).toBeUndefined();
    expect(outcome.duplicates).toBe(2);
  });

  it('treats a missing submission time as older than any date, and two missing ones as a tie', async () => {
    const outcome = await run([
      { org: '0123456789abcdef', at: 5 },
      { org: '0123456789abcdef', at: null },
      { org: 'fedcba9876543210', at: null },
      { org: 'fedcba9876543210', at: null },
    ]);
    expect([0, 1, 2, 3].map((i) => outcome.isLoser(i))).toEqual([false, true, true, false]);
  });

  it('names the row kept at the end, not a row that was winning when the loser lost', async () => {
    const outcome = await run([
      { org: 'ffffffffffffffff', at: 100 },
      { org: 'ffffffffffffffff', at: 200 },
      { org: 'ffffffffffffffff', at: 300 },
    ]);
    expect(outcome.loser(0)).toEqual({ orgId: 'ffffffffffffffff', keptRow: rowNumberOf(2) });
    expect(outcome.loser(1)).toEqual({ orgId: 'ffffffffffffffff', keptRow: rowNumberOf(2) });
  });

  it('answers no for spool indexes it never saw', async () => {
    const outcome = await run([
      { org: '0000000000000001', at: 1 },
      { org: '0000000000000001', at: 2 },
    ]);
    for (const index of [-1, 2, 31, 32, 1e9, 0.5]) {
      expect(outcome.isLoser(index)).toBe(false);
      expect(outcome.loser(index)).toBeUndefined();
    }
  });

  it('gives an empty verdict when nothing was offered', async () => {
    const outcome = await new DuplicateTracker({ dir }).finish();
    expect(outcome.duplicates).toBe(0);
    expect(outcome.isLoser(0)).toBe(false);
  });

  it('spills to files in its directory while offered and removes them when finished', async () => {
    const tracker = new DuplicateTracker({ dir, bucketRows: 16, expectedRows: 4000 });
    const rows: Row[] = Array.from({ length: 4000 }, (_, i) => ({
      org: (i % 1500).toString(16).padStart(16, '0'),
      at: i % 7,
    }));
    for (const [index, row] of rows.entries()) tracker.offer(row.org, row.at, index, rowNumberOf(index));
    expect(readdirSync(dir).length).toBeGreaterThan(16);
    const outcome = await tracker.finish();
    expect(readdirSync(dir)).toEqual([]);
    expectModel(rows, outcome);
  });

  it('splits buckets at finish when the expected row count was far too low', async () => {
    const rows: Row[] = Array.from({ length: 5000 }, (_, i) => ({
      org: ((i * 7919) % 2003).toString(16).padStart(16, 'a'),
      at: (i * 31) % 11 === 0 ? null : (i * 13) % 5,
    }));
    expectModel(rows, await run(rows, { bucketRows: 8, expectedRows: 0 }));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('grows the table of a bucket when the bucket holds more organisations than bucketRows', async () => {
    // Up to twice bucketRows rows are not split, and the table is sized for bucketRows: with just over 70% of its
    // slots taken by distinct organisations it must grow, and then every later repeat must still find its org.
    for (const bucketRows of [16, 64, 128, 1024]) {
      const capacity = 2 ** Math.ceil(Math.log2(bucketRows / 0.7));
      const distinct = Math.floor(capacity * 0.7) + 1;
      const rows: Row[] = Array.from({ length: 2 * bucketRows }, (_, i) => ({
        org: (i % distinct).toString(16).padStart(16, '0'),
        at: i % 3,
      }));
      expectModel(rows, await run(rows, { bucketRows }));
    }
  });

  it('handles a wave where a few organisations submit thousands of times', async () => {
    const rows: Row[] = Array.from({ length: 6000 }, (_, i) => ({
      org: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', '0000000000000000'][i % 3]!,
      at: (i * 17) % 23,
    }));
    const outcome = await run(rows, { bucketRows: 4 });
    expectModel(rows, outcome);
    expect(outcome.duplicates).toBe(5997);
  });

  it('rejects an org_id that is not 16 lowercase hex characters', () => {
    const tracker = new DuplicateTracker({ dir });
    for (const bad of [
      '0123456789ABCDEF',
      '0123456789abcde',
      '0123456789abcdef0',
      '0123456789abcdeg',
      'é123456789abcdef',
    ]) {
      expect(() => tracker.offer(bad, 1, 0, 2)).toThrow(
        `dedupe: org_id must be 16 lowercase hex characters, got "${bad}"`,
      );
    }
  });

  it('refuses to be offered to or finished again once finished', async () => {
    const tracker = new DuplicateTracker({ dir });
    tracker.offer('0123456789abcdef', 1, 0, 2);
    await tracker.finish();
    expect(() => tracker.offer('0123456789abcdef', 1, 1, 3)).toThrow('dedupe: offer() after finish()');
    await expect(tracker.finish()).rejects.toThrow('dedupe: finish() was called twice');
  });

  it('agrees with a plain Map model on arbitrary rows, in one bucket or many, spilled or not', async () => {
    const hex = fc.stringMatching(/^[0-9a-f]{16}$/);
    const few = fc.constantFrom('aaaaaaaaaaaaaaaa', 'ffffffffffffffff', '0000000000000000', '8000000000000001');
    const row = fc.record({ org: fc.oneof(hex, few), at: fc.option(fc.integer({ min: 0, max: 5 })) });
    await fc.assert(
      fc.asyncProperty(
        // fast-check's default size keeps arrays to about ten items: half the runs go up to 3,000 rows.
        fc.oneof(fc.array(row), fc.array(row, { maxLength: 3000, size: 'max' })),
        fc.constantFrom(undefined, 4, 16, 64),
        fc.constantFrom(0, 1, 4),
        async (rows, bucketRows, expectedFactor) => {
          const outcome = await run(rows, { bucketRows, expectedRows: rows.length * expectedFactor });
          expectModel(rows, outcome);
          expect(readdirSync(dir)).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
  });
});
