// A large local file is read by two threads (core/ingest/parallel.ts). Whatever the cut, the result must be the
// one-thread result byte for byte: the same Parquet rows, report and rejected.csv. Here the threshold is lowered so
// small generated waves take the two-thread path, with the cut wherever the middle of the file falls.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { findSplit } from '../../core/ingest/split.ts';
import { readWavePointer } from '../../core/lake.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';

const ORG_KEY = 'parallel-test-key';
const NOW = new Date('2026-11-24T12:00:00Z');
let dir: string;
let duck: Awaited<ReturnType<typeof DuckDBInstance.create>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-parallel-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every row of a wave's curated Parquet, as DuckDB reads it, in file order. */
async function rowsOf(storage: LocalStorage, survey: string, wave: number): Promise<unknown[]> {
  const pointer = await readWavePointer(storage, survey, wave);
  if (!pointer) throw new Error('no pointer');
  const file = storage.localPath(pointer.files[0]!).replace(/'/g, "''");
  const connection = await duck.connect();
  const reader = await connection.runAndReadAll(`select * from read_parquet('${file}')`);
  connection.closeSync();
  return reader.getRowObjectsJS();
}

/** Ingests `file` into a fresh lake, on one thread from a stream or by path with the two-thread path allowed. */
async function ingest(
  file: string,
  survey: string,
  wave: number,
  how: 'stream' | 'two threads',
  maxListedIssues?: number,
) {
  const lake = await mkdtemp(join(dir, 'lake-'));
  const storage = new LocalStorage(lake);
  const result = await ingestWave({
    storage,
    ...(how === 'stream' ? { input: createReadStream(file) } : { path: file, parallelMinBytes: 0 }),
    survey,
    wave,
    sourceFile: 'wave.csv',
    orgKey: ORG_KEY,
    now: NOW,
    ...(maxListedIssues === undefined ? {} : { maxListedIssues }),
  });
  const { seconds: _seconds, ...stats } = result.report.stats;
  return {
    threads: result.threads,
    report: { ...result.report, stats },
    rows: await rowsOf(storage, survey, wave),
    rejected: await readFile(storage.localPath(result.rejectedKey)),
  };
}

describe('ingest on two threads', () => {
  it.each([
    { survey: 'uk-se', wave: 2023, rows: 3000, seed: 3 },
    { survey: 'fr-ess', wave: 2023, rows: 3000, seed: 5 },
    { survey: 'uk-se', wave: 2021, rows: 1200, seed: 8 },
  ])(
    'gives the one-thread result byte for byte for $survey $wave seed $seed',
    async ({ survey, wave, rows, seed }) => {
      const file = join(dir, `${survey}-${wave}-${seed}.csv`);
      await generateWave({ survey, wave, rows, seed, orgKey: ORG_KEY, keepRecords: false }, file);
      // The file really is cut (its quoting is plain RFC 4180), so the second thread really runs.
      const size = (await readFile(file)).length;
      expect(await findSplit(file, survey === 'fr-ess' ? ';' : ',', Math.floor(size / 2))).toBeDefined();
      const one = await ingest(file, survey, wave, 'stream');
      const two = await ingest(file, survey, wave, 'two threads');
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expect(two.report).toEqual(one.report);
      expect(two.rows).toEqual(one.rows);
      expect(two.rejected.equals(one.rejected)).toBe(true);
      // Duplicates across the cut are resolved as on one thread: the waves have some, on both sides.
      expect(one.report.errors.some((error) => error.type === 'duplicate-row')).toBe(true);
    },
    60_000,
  );

  it('hashes the whole file on a thread of its own: the same file again changes nothing and leaves no trace', async () => {
    const lake = await mkdtemp(join(dir, 'lake-'));
    const storage = new LocalStorage(lake);
    const file = join(dir, 'again.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 1500, seed: 6, orgKey: ORG_KEY, keepRecords: false }, file);
    const twice = { storage, path: file, parallelMinBytes: 0, survey: 'uk-se', wave: 2023, sourceFile: 'w.csv' };
    const first = await ingestWave({ ...twice, orgKey: ORG_KEY, now: NOW });
    expect(first.threads).toBe(2);
    expect(first.report.source.sha256).toBe(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
    const before = (await storage.list('curated/')).sort();
    const again = await ingestWave({ ...twice, orgKey: ORG_KEY, now: new Date('2026-11-25T12:00:00Z') });
    expect(again.unchanged).toBe(true);
    expect(again.pointer).toEqual(first.pointer);
    // The second run wrote its Parquet before the worker's hash said the file was the same; it is gone.
    expect((await storage.list('curated/')).sort()).toEqual(before);
    // One byte more is another file: a new version.
    await appendFile(file, '\n');
    const changed = await ingestWave({ ...twice, orgKey: ORG_KEY, now: new Date('2026-11-25T13:00:00Z') });
    expect(changed.unchanged).toBe(false);
    expect(changed.pointer.version).not.toBe(first.pointer.version);
    expect(changed.report.source.sha256).toBe(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
  });

  it('refuses to be given the file both as a stream and as a path, or neither way, writing nothing', async () => {
    const lake = await mkdtemp(join(dir, 'lake-'));
    const file = join(dir, 'tiny.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 20, seed: 1, orgKey: ORG_KEY, keepRecords: false }, file);
    const base = { storage: new LocalStorage(lake), survey: 'uk-se', wave: 2023, sourceFile: 'x', orgKey: ORG_KEY };
    const both = ingestWave({ ...base, path: file, input: createReadStream(file) });
    await expect(both).rejects.toThrow(/exactly one of input \(a stream\) or path, got both or neither/);
    await expect(ingestWave(base)).rejects.toThrow(/exactly one of input/);
    expect(await readWavePointer(new LocalStorage(lake), 'uk-se', 2023)).toBeUndefined();
  });

  it('counts invalid bytes in the header once, though both threads read the header', async () => {
    const file = join(dir, 'bad-header-byte.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 1500, seed: 3, orgKey: ORG_KEY, keepRecords: false }, file);
    const read = await readFile(file);
    // With a BOM the file is read as UTF-8 whatever its bytes, so an invalid byte is a decode error.
    const bytes = read[0] === 0xef ? read : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), read]);
    // An invalid UTF-8 byte (0xff) in the header's first name (inside its quotes, if quoted), and one in the
    // second half of the file.
    const comma = bytes.indexOf(0x2c);
    const at = bytes[comma - 1] === 0x22 ? comma - 1 : comma;
    const cut = bytes.indexOf(0x0a, Math.floor(bytes.length * 0.75)) + 1;
    await writeFile(
      file,
      Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from([0xff]),
        bytes.subarray(at, cut),
        Buffer.from('x\xff,,\n', 'latin1'),
        bytes.subarray(cut),
      ]),
    );
    const one = await ingest(file, 'uk-se', 2023, 'stream');
    const two = await ingest(file, 'uk-se', 2023, 'two threads');
    expect(two.threads).toBe(2);
    expect(one.report.warnings.find((w) => w.type === 'encoding-error')?.message).toMatch(/^ingest: 2 invalid utf-8/);
    expect(two.report).toEqual(one.report);
    expect(two.rejected.equals(one.rejected)).toBe(true);
  }, 60_000);

  it('caps the listed issues as one thread does, counting them all', async () => {
    const file = join(dir, 'capped.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 2000, seed: 9, orgKey: ORG_KEY, keepRecords: false }, file);
    for (const cap of [3, 40]) {
      const one = await ingest(file, 'uk-se', 2023, 'stream', cap);
      const two = await ingest(file, 'uk-se', 2023, 'two threads', cap);
      expect(two.threads).toBe(2);
      expect(two.report.errors).toHaveLength(cap);
      expect(two.report).toEqual(one.report);
    }
  }, 60_000);

  it('reads a file whose quoting the cut cannot trust on one thread, with the same result', async () => {
    const file = join(dir, 'stray-quote.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 800, seed: 2, orgKey: ORG_KEY, keepRecords: false }, file);
    // A stray quote in a bare field of the first data row: fine for the parser, not for the scan.
    const text = (await readFile(file, 'utf8')).replace(/\n([^\n,"]*),/, '\n$1 5" screen,');
    await writeFile(file, text);
    expect(await findSplit(file, ',', Math.floor(text.length / 2))).toBeUndefined();
    const one = await ingest(file, 'uk-se', 2023, 'stream');
    const two = await ingest(file, 'uk-se', 2023, 'two threads');
    expect(two.threads).toBe(1);
    expect(two.report).toEqual(one.report);
    expect(two.rows).toEqual(one.rows);
  }, 60_000);

  it('reads the file again on one thread when the parser and the cut disagree, with the same result', async () => {
    const file = join(dir, 'disagree.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 1500, seed: 6, orgKey: ORG_KEY, keepRecords: false }, file);
    // A quoted cell followed by a carriage return and more text: the scan takes the CR for a line ending, the
    // parser (records end at LF) reads the quote as malformed and runs on to a later quote.
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[5] = `"odd"\rtail,${lines[5]}`;
    await writeFile(file, lines.join('\n'));
    const size = (await readFile(file)).length;
    expect(await findSplit(file, ',', Math.floor(size / 2))).toBeDefined();
    const one = await ingest(file, 'uk-se', 2023, 'stream');
    const two = await ingest(file, 'uk-se', 2023, 'two threads');
    expect(two.threads).toBe(1);
    expect(two.report).toEqual(one.report);
    expect(two.rows).toEqual(one.rows);
    expect(two.rejected.equals(one.rejected)).toBe(true);
  }, 60_000);

  it('counts a record split over the cut once, and a file ending without a line break', async () => {
    const file = join(dir, 'no-final-break.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 1500, seed: 4, orgKey: ORG_KEY, keepRecords: false }, file);
    const text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    await writeFile(file, text);
    await appendFile(file, '');
    const one = await ingest(file, 'uk-se', 2023, 'stream');
    const two = await ingest(file, 'uk-se', 2023, 'two threads');
    expect(two.threads).toBe(2);
    expect(two.report.stats.rows).toBe(one.report.stats.rows);
    expect(two.report).toEqual(one.report);
    expect(two.rows).toEqual(one.rows);
  }, 60_000);
});
