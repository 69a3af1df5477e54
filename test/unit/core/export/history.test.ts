import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CellIdentity,
  cellHistories,
  type HistoryCell,
  type LedgerRecord,
  VersionRows,
} from '../../../../core/export/index.ts';
import { LocalStorage } from '../../../../core/storage/local-storage.ts';

// A lake with no curated files: every earlier version is gone, so cells are compared by their published values.
const dir = mkdtempSync(join(tmpdir(), 'history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = () => new VersionRows(new LocalStorage(dir));

const identity = (stat: string, sector: string): CellIdentity => ({
  stat: stat === 'count' ? ['count'] : stat === 'sum' ? ['sum', 'turnover'] : ['share', 'is_spinout', []],
  conds: [
    { f: 'sector', op: 'eq', v: sector },
    { f: 'survey', op: 'eq', v: 'uk-se' },
    { f: 'wave', op: 'eq', v: 2023 },
  ],
});

function cell(ref: string, kind: HistoryCell['kind'], written: number, sector = ref): HistoryCell {
  const id = identity(kind === 'other' ? 'share' : kind, sector);
  return { ref, key: JSON.stringify(id), identity: id, waves: [2023], kind, written };
}

function record(version: string, cells: [HistoryCell, 'published' | 'suppressed', number | null][]): LedgerRecord {
  return {
    ledger: 1,
    id: `r-${version}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    query: 'sector_profile',
    parameters: { survey: 'uk-se', wave: 2023 },
    survey: 'uk-se',
    versions: { '2023': version },
    settings: { threshold: 5, p: 10 },
    total: true,
    file: 'x.csv',
    cells: cells.map(([c, status, value]) => ({ key: c.key, waves: [2023], row: c.ref, column: 'n', status, value })),
  };
}

const live = new Map([[2023, { version: 'v2', files: [] }]]);

describe("the ledger's account of each cell", () => {
  it('knows what the same data published, and keeps suppressed what it suppressed', async () => {
    const a = cell('a', 'count', 12);
    const b = cell('b', 'count', 3);
    const out = await cellHistories(
      [a, b],
      [
        record('v2', [
          [a, 'published', 12],
          [b, 'suppressed', null],
        ]),
      ],
      live,
      'uk-se',
      5,
      rows(),
    );
    expect(Object.fromEntries(out.histories)).toEqual({ a: { kind: 'published' }, b: { kind: 'suppressed' } });
    expect(out.compared).toBe(0);
  });

  it('compares a revised wave by published value when the earlier version is gone', async () => {
    const same = cell('same', 'count', 12);
    const minusOne = cell('minus', 'count', 11);
    const plusSix = cell('plus', 'count', 26);
    const total = cell('total', 'sum', 950.5);
    const share = cell('share', 'other', 0.25);
    const hidden = cell('hidden', 'count', 9);
    const out = await cellHistories(
      [same, minusOne, plusSix, total, share, hidden],
      [
        record('v1', [
          [same, 'published', 12],
          [minusOne, 'published', 12],
          [plusSix, 'published', 20],
          [total, 'published', 1000],
          [share, 'published', 0.2],
          [hidden, 'suppressed', null],
        ]),
      ],
      live,
      'uk-se',
      5,
      rows(),
    );
    expect(Object.fromEntries(out.histories)).toEqual({
      same: { kind: 'published' },
      minus: { kind: 'revised', change: -1, organisations: 1, largest: 1 },
      total: { kind: 'revised', change: -49.5, organisations: 1, largest: 49.5 },
      // A share's move says nothing of its numerator when its denominator may have moved.
      share: { kind: 'revised', change: 0, organisations: 1, largest: 0 },
      hidden: { kind: 'suppressed' },
    });
    // Six organisations more is a change from at least the threshold: nothing to protect.
    expect(out.histories.has('plus')).toBe(false);
    expect(out.missingVersions).toEqual(['2023 (v1)']);
    expect(out.compared).toBe(6);
  });
});
