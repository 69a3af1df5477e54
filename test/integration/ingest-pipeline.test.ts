import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave, type Truth } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { readWavePointer } from '../../core/lake.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { CANONICAL_COLUMNS } from '../../schemas/index.ts';

const ORG_KEY = 'pipeline-test-key';
const NOW = new Date('2026-11-24T12:00:00Z');
let dir: string;
let duck: Awaited<ReturnType<typeof DuckDBInstance.create>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-pipeline-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Reads a wave's curated Parquet back through DuckDB: timestamps as epoch ms, ordered by source_row. */
async function readBack(storage: LocalStorage, survey: string, wave: number): Promise<Record<string, unknown>[]> {
  const pointer = await readWavePointer(storage, survey, wave);
  if (!pointer) throw new Error('no pointer');
  const files = pointer.files.map((key) => `'${storage.localPath(key).replace(/'/g, "''")}'`).join(', ');
  const columns = CANONICAL_COLUMNS.map((name) =>
    name === 'submitted_at' || name === 'ingested_at' ? `cast(epoch_ms(${name}) as double) as ${name}` : name,
  );
  const connection = await duck.connect();
  const reader = await connection.runAndReadAll(
    `select ${columns.join(', ')} from read_parquet([${files}]) order by source_row`,
  );
  connection.closeSync();
  return reader.getRowObjectsJS().map((row) => ({ ...row, survey, wave }));
}

async function generate(
  survey: string,
  wave: number,
  rows: number,
  seed: number,
): Promise<{ file: string; truth: Truth }> {
  const file = join(dir, `${survey}-${wave}-${seed}-${rows}.csv`);
  const truth = await generateWave({ survey, wave, rows, seed, orgKey: ORG_KEY }, file);
  return { file, truth };
}

async function ingest(storage: LocalStorage, file: string, survey: string, wave: number, sourceFile?: string) {
  const outcome = await ingestWave({
    storage,
    input: createReadStream(file),
    survey,
    wave,
    sourceFile: sourceFile ?? file.split('/').pop()!,
    orgKey: ORG_KEY,
    now: NOW,
  });
  const { report, pointer } = outcome;
  if (!report || !pointer) throw new Error(`test: the file was refused: ${outcome.refusal?.reason}`);
  return { ...outcome, report, pointer, unchanged: outcome.outcome === 'unchanged' };
}

describe('generate → ingest → curated Parquet read back by DuckDB', () => {
  const cases: [string, number, number][] = [
    ['uk-se', 2023, 1],
    ['uk-se', 2021, 2],
    ['uk-se', 2019, 3],
    ['fr-ess', 2023, 1],
    ['fr-ess', 2021, 4],
  ];
  it.each(cases)('%s wave %i seed %i equals the generator truth, row for row', async (survey, wave, seed) => {
    const { file, truth } = await generate(survey, wave, 900, seed);
    const storage = new LocalStorage(join(dir, `lake-${survey}-${wave}-${seed}`));
    const { report } = await ingest(storage, file, survey, wave);

    expect(report.stats.rows).toBe(truth.expected.rows);
    expect(report.stats.rows).toBe(report.stats.valid + report.stats.rejected + report.stats.blank);
    expect({ valid: report.stats.valid, rejected: report.stats.rejected, blank: report.stats.blank }).toEqual({
      valid: truth.expected.valid,
      rejected: truth.expected.rejected,
      blank: truth.expected.blank,
    });
    expect(report.source.encoding).toBe(truth.encoding);

    const rows = await readBack(storage, survey, wave);
    const expected = truth.records.map((record) => ({ ...record, ingested_at: NOW.getTime() }));
    expect(rows).toHaveLength(expected.length);
    for (let i = 0; i < rows.length; i++) expect(rows[i]).toEqual(expected[i]);

    // Every rejected row is in rejected.csv with its row number, and the kinds match what the generator planted.
    const rejected = Papa.parse<Record<string, string>>(
      (await storage.getText((await readWavePointer(storage, survey, wave))!.rejected))!.replace(/^\ufeff/, ''),
      {
        header: true,
        skipEmptyLines: true,
      },
    ).data;
    expect(rejected.map((row) => Number(row._row)).sort((a, b) => a - b)).toEqual(
      truth.expected.rejectedRows.map((row) => row.rowNumber).sort((a, b) => a - b),
    );
    const reportedTypes = new Map<number, Set<string>>();
    for (const error of report.errors) {
      if (!reportedTypes.has(error.rowNumber!)) reportedTypes.set(error.rowNumber!, new Set());
      reportedTypes.get(error.rowNumber!)!.add(error.type);
    }
    for (const row of truth.expected.rejectedRows) expect(reportedTypes.get(row.rowNumber)).toContain(row.type);
  });

  it('keeps the panel: the same organisations carry the same org_id across waves of one seed', async () => {
    const a = await generate('uk-se', 2021, 600, 11);
    const b = await generate('uk-se', 2023, 600, 11);
    const storage = new LocalStorage(join(dir, 'lake-panel'));
    await ingest(storage, a.file, 'uk-se', 2021);
    await ingest(storage, b.file, 'uk-se', 2023);
    const ids2021 = new Set((await readBack(storage, 'uk-se', 2021)).map((row) => row.org_id));
    const ids2023 = (await readBack(storage, 'uk-se', 2023)).map((row) => row.org_id);
    const matched = ids2023.filter((id) => ids2021.has(id)).length;
    const truthMatched = b.truth.records.filter((r) =>
      new Set(a.truth.records.map((x) => x.org_id)).has(r.org_id),
    ).length;
    expect(matched).toBe(truthMatched);
    expect(matched).toBeGreaterThan(100);
  });
});

describe('re-ingesting a wave', () => {
  it('changes nothing for byte-identical input, and says so', async () => {
    const { file } = await generate('uk-se', 2023, 300, 5);
    const storage = new LocalStorage(join(dir, 'lake-idempotent'));
    const first = await ingest(storage, file, 'uk-se', 2023);
    const before = await Promise.all(
      (await storage.list('')).map(async (key) => [key, (await stat(storage.localPath(key))).mtimeMs]),
    );
    const again = await ingest(storage, file, 'uk-se', 2023);
    const after = await Promise.all(
      (await storage.list('')).map(async (key) => [key, (await stat(storage.localPath(key))).mtimeMs]),
    );
    expect(again.unchanged).toBe(true);
    expect(first.unchanged).toBe(false);
    // Nothing of the wave changed; only the ledger gained the attempt that says so.
    const attempts = (entries: (string | number)[][]) => entries.filter(([key]) => String(key).includes('/attempts/'));
    const wave = (entries: (string | number)[][]) => entries.filter(([key]) => !String(key).includes('/attempts/'));
    expect(wave(after)).toEqual(wave(before));
    expect(attempts(after)).toHaveLength(attempts(before).length + 1);
  });

  it('replaces the wave atomically: readers during a re-ingest see the old wave or the new one, never a mix', async () => {
    const old = await generate('uk-se', 2023, 2000, 21);
    const next = await generate('uk-se', 2023, 2500, 22);
    const storage = new LocalStorage(join(dir, 'lake-atomic'));
    await ingest(storage, old.file, 'uk-se', 2023, 'old.csv');
    const seen: string[] = [];
    let done = false;
    const reader = (async () => {
      while (!done) {
        const rows = await readBack(storage, 'uk-se', 2023);
        const sources = new Set(rows.map((row) => row.source_file));
        expect(sources.size).toBe(1);
        const source = [...sources][0] as string;
        expect(rows.length).toBe(source === 'old.csv' ? old.truth.records.length : next.truth.records.length);
        seen.push(source);
      }
    })();
    await ingest(storage, next.file, 'uk-se', 2023, 'new.csv');
    done = true;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect((await readBack(storage, 'uk-se', 2023))[0]?.source_file).toBe('new.csv');
  });
});

describe('awkward but readable input', () => {
  const header = 'Respondent ID,Organisation name,Postcode,Legal form,Spun out of the public sector?,Main sector,Notes';
  it('ingests a row with a 10 MB field', async () => {
    const file = join(dir, 'big-field.csv');
    await writeFile(
      file,
      `${header}\n1,Acme,AB1 2CD,CIC,no,Health,"${'x'.repeat(10 * 1024 * 1024)}"\n2,Beta,ZZ1 1ZZ,CIC,no,Housing,short\n`,
    );
    const { report } = await ingest(new LocalStorage(join(dir, 'lake-big')), file, 'uk-se', 2023);
    expect(report.stats).toMatchObject({ rows: 2, valid: 2, rejected: 0 });
  });

  it('ingests invalid UTF-8 past the sniff window, warning how many bytes were replaced', async () => {
    const good = Buffer.from(
      `${header}\n${Array.from({ length: 3000 }, (_, i) => `${i},Org ${i},AB${i},CIC,no,Health,fine`).join('\n')}\n`,
    );
    const bad = Buffer.concat([
      good,
      Buffer.from('9999,Caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from(',AB1,CIC,no,Health,x\n'),
    ]);
    expect(good.length).toBeGreaterThan(65536);
    const file = join(dir, 'bad-utf8.csv');
    await writeFile(file, bad);
    const { report } = await ingest(new LocalStorage(join(dir, 'lake-utf8')), file, 'uk-se', 2023);
    expect(report.stats.rows).toBe(3001);
    expect(report.stats.valid).toBe(3001);
    expect(report.warnings.some((w) => w.type === 'encoding-error')).toBe(true);
  });

  it('ingests a 300,000-row file, every row accounted for', async () => {
    const { file, truth } = await generate('uk-se', 2023, 300_000, 99);
    const storage = new LocalStorage(join(dir, 'lake-million'));
    const { report } = await ingest(storage, file, 'uk-se', 2023);
    expect(report.stats.rows).toBe(300_000);
    expect(report.stats).toMatchObject({
      valid: truth.expected.valid,
      rejected: truth.expected.rejected,
      blank: truth.expected.blank,
    });
    expect(await readdir(join(dir, 'lake-million', 'curated', 'survey=uk-se', 'wave=2023'))).toHaveLength(2);
  }, 240_000);
});
