// What "one ingest, one commit" promises about a wave, checked from the outside (DESIGN.md): read through the
// storage with independent readers (hyparquet for the Parquet, the report schema for the report), never through
// the code under test's own bookkeeping (no staleVersions).
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { expect } from 'vitest';
import { runningPrefix } from '../../core/ingest/attempts.ts';
import { readWavePointer, type WavePointer } from '../../core/lake.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { type Report, ReportSchema } from '../../schemas/index.ts';

/** An object's bytes, or undefined when it does not exist. */
async function bytesOf(storage: Storage, key: string): Promise<ArrayBuffer | undefined> {
  const keys = await storage.list(key);
  if (!keys.includes(key)) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(key)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

/**
 * The live pointer of a wave, checked: every file it names exists; its Parquet holds `pointer.rows` rows, all from
 * the pointer's source file; its report describes the pointer's source (sha256, file) and accounts for every row.
 */
export async function expectLiveWave(
  storage: Storage,
  survey: string,
  wave: number,
): Promise<{ pointer: WavePointer; report: Report }> {
  const pointer = await readWavePointer(storage, survey, wave);
  if (pointer === undefined) throw new Error(`test: ${survey} wave ${wave} has no live pointer`);
  for (const key of pointer.files) {
    const file = await bytesOf(storage, key);
    expect(file, `the pointer names ${key}, which is missing`).toBeDefined();
    expect(Number(parquetMetadata(file!).num_rows)).toBe(pointer.rows);
    const rows = await parquetReadObjects({ file: file!, columns: ['source_file'], compressors });
    expect(new Set(rows.map((row) => row.source_file))).toEqual(new Set(rows.length > 0 ? [pointer.sourceFile] : []));
  }
  const rejected = await storage.getText(pointer.rejected);
  expect(rejected, `the pointer names ${pointer.rejected}, which is missing`).toBeDefined();
  const text = await storage.getText(pointer.report);
  expect(text, `the pointer names ${pointer.report}, which is missing`).toBeDefined();
  const report = ReportSchema.parse(JSON.parse(text!));
  expect(report.source.sha256).toBe(pointer.sourceSha256);
  expect(report.source.file).toBe(pointer.sourceFile);
  expect(report.stats.rows).toBe(report.stats.valid + report.stats.rejected + report.stats.blank);
  expect(report.stats.valid).toBe(pointer.rows);
  // rejected.csv: a header line, then at least one line per rejected row.
  const lines = rejected!.split(/\r?\n/).filter((line) => line !== '');
  expect(lines.length).toBeGreaterThanOrEqual(1 + report.stats.rejected);
  return { pointer, report };
}

/** The version folders of a wave under curated/ and reports/ that hold at least one object. */
export async function versionFolders(storage: Storage, survey: string, wave: number): Promise<string[]> {
  const folders = new Set<string>();
  for (const prefix of [`curated/survey=${survey}/wave=${wave}/`, `reports/survey=${survey}/wave=${wave}/`]) {
    for (const key of await storage.list(prefix)) {
      const parts = key.slice(prefix.length).split('/');
      if (parts.length > 1 && !['attempts', 'refused', 'running'].includes(parts[0]!)) {
        folders.add(`${prefix}${parts[0]}/`);
      }
    }
  }
  return [...folders].sort();
}

/**
 * A wave at rest after an attempt that finished: live as above, no version folder left that the pointer does not
 * name as its own or as the one it replaced (its own in both curated/ and reports/), and, with a catalog, the
 * catalog names the pointer's version; no attempt is marked as under way.
 */
export async function expectSettledWave(
  storage: Storage,
  survey: string,
  wave: number,
  catalog?: { version(survey: string, wave: number): string | undefined },
): Promise<{ pointer: WavePointer; report: Report }> {
  const live = await expectLiveWave(storage, survey, wave);
  const { pointer } = live;
  const folders = await versionFolders(storage, survey, wave);
  const named = [pointer.version, pointer.replaced].filter((version) => version !== undefined);
  const strays = folders.filter((folder) => !named.some((version) => folder.endsWith(`/${version}/`)));
  expect(strays, 'version folders the pointer does not name').toEqual([]);
  expect(folders).toContain(`curated/survey=${survey}/wave=${wave}/${pointer.version}/`);
  expect(folders).toContain(`reports/survey=${survey}/wave=${wave}/${pointer.version}/`);
  if (catalog) expect(catalog.version(survey, wave), 'the catalog names another version').toBe(pointer.version);
  expect(await storage.list(runningPrefix(survey, wave)), 'attempts marked as under way').toEqual([]);
  return live;
}
