import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitWave, listWavePointers, readWavePointer, type WavePointer } from '../../../core/lake.ts';
import { LocalStorage } from '../../../core/storage/local-storage.ts';

let root: string;
let storage: LocalStorage;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lake-'));
  storage = new LocalStorage(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const pointer = (version: string): WavePointer => ({
  survey: 'uk-se',
  wave: 2023,
  version,
  files: [`curated/survey=uk-se/wave=2023/${version}/part-00000.parquet`],
  sourceSha256: version,
  sourceFile: 'wave.csv',
  rows: 1,
  committedAt: '2026-01-01T00:00:00.000Z',
});

describe('wave commits', () => {
  it('switches the pointer, keeps the replaced version for readers and drops older ones', async () => {
    for (const version of ['v1', 'v2', 'v3']) {
      await storage.put(pointer(version).files[0]!, 'parquet');
      await commitWave(storage, pointer(version));
    }
    expect((await readWavePointer(storage, 'uk-se', 2023))?.version).toBe('v3');
    expect(await storage.list('curated/')).toEqual([
      'curated/survey=uk-se/wave=2023/_current.json',
      'curated/survey=uk-se/wave=2023/v2/part-00000.parquet',
      'curated/survey=uk-se/wave=2023/v3/part-00000.parquet',
    ]);
  });

  it('leaves a newer version that a concurrent ingest is still writing', async () => {
    await storage.put(pointer('v9').files[0]!, 'in progress');
    await storage.put(pointer('v1').files[0]!, 'parquet');
    await commitWave(storage, pointer('v1'));
    expect(await storage.list('curated/survey=uk-se/wave=2023/v9/')).toHaveLength(1);
  });

  it('lists committed waves from their pointers only', async () => {
    await storage.put('curated/survey=uk-se/wave=2021/vX/part-00000.parquet', 'uncommitted');
    await storage.put(pointer('v1').files[0]!, 'parquet');
    await commitWave(storage, pointer('v1'));
    expect((await listWavePointers(storage)).map((p) => [p.survey, p.wave])).toEqual([['uk-se', 2023]]);
  });
});
