import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commitWave,
  listWavePointers,
  readWavePointer,
  removeStaleVersions,
  type WavePointer,
} from '../../../core/lake.ts';
import { LocalStorage } from '../../../core/storage/local-storage.ts';

let root: string;
let storage: LocalStorage;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lake-'));
  storage = new LocalStorage(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const V = (n: number) => `v2026010${n}T000000Z-0000000${n}`;

const pointer = (version: string, replaced?: string): WavePointer => ({
  survey: 'uk-se',
  wave: 2023,
  version,
  files: [`curated/survey=uk-se/wave=2023/${version}/part-00000.parquet`],
  report: `reports/survey=uk-se/wave=2023/${version}/report.json`,
  rejected: `reports/survey=uk-se/wave=2023/${version}/rejected.csv`,
  ...(replaced ? { replaced } : {}),
  sourceSha256: version,
  sourceFile: 'wave.csv',
  rows: 1,
  committedAt: '2026-01-01T00:00:00.000Z',
});

/** Writes every file a version's pointer names. */
async function writeVersion(p: WavePointer): Promise<void> {
  for (const key of [...p.files, p.report, p.rejected]) await storage.put(key, 'x');
}

describe('wave commits', () => {
  it('keeps the live version and the one it replaced, and removes every other version folder in curated/ and reports/', async () => {
    let replaced: string | undefined;
    for (const n of [1, 2, 3]) {
      const p = pointer(V(n), replaced);
      await writeVersion(p);
      await commitWave(storage, p);
      await removeStaleVersions(storage, p);
      replaced = V(n);
    }
    // A version an ingest wrote but never committed (it died) goes too; attempts/ and refused/ stay.
    await writeVersion(pointer(V(9)));
    await storage.put('reports/survey=uk-se/wave=2023/attempts/a.json', '{}');
    await storage.put('reports/survey=uk-se/wave=2023/refused/a.json', '{}');
    const live = (await readWavePointer(storage, 'uk-se', 2023))!;
    expect(live.version).toBe(V(3));
    expect(await removeStaleVersions(storage, live)).toEqual([
      `curated/survey=uk-se/wave=2023/${V(9)}/`,
      `reports/survey=uk-se/wave=2023/${V(9)}/`,
    ]);
    expect(await storage.list('')).toEqual(
      [
        'curated/survey=uk-se/wave=2023/_current.json',
        ...[V(2), V(3)].flatMap((v) => [
          `curated/survey=uk-se/wave=2023/${v}/part-00000.parquet`,
          `reports/survey=uk-se/wave=2023/${v}/rejected.csv`,
          `reports/survey=uk-se/wave=2023/${v}/report.json`,
        ]),
        'reports/survey=uk-se/wave=2023/attempts/a.json',
        'reports/survey=uk-se/wave=2023/refused/a.json',
      ].sort(),
    );
  });

  it('lists committed waves from their pointers only', async () => {
    await storage.put(`curated/survey=uk-se/wave=2021/${V(5)}/part-00000.parquet`, 'uncommitted');
    await writeVersion(pointer(V(1)));
    await commitWave(storage, pointer(V(1)));
    expect((await listWavePointers(storage)).map((p) => [p.survey, p.wave])).toEqual([['uk-se', 2023]]);
  });
});
